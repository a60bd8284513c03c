/**
 * Every fp32 fixture model end to end: onnxruntime-node vs torch's reference output, and sparq vs
 * onnxruntime-node and vs torch at every ISA level with 1 and 2 threads.
 * @jest-environment ./test/support/ort-environment.js
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { Tensor } from '../lib';
import { loadNpy, NpyArray } from '../lib/format/npy';
import { decodeModel } from '../lib/onnx/decode';
import { expectClose, ortEval, ortRun, ortSession, OrtValue } from './support/ort';
import { isaLevels, loadEngine, runEngine } from './support/sparq-run';
import { rng } from './support/onnx-models';

const FIXTURES = join(__dirname, 'fixtures');

interface Fixture {
  name: string;
  path: string;
  input: OrtValue;
  output: OrtValue;
}

/** fp32 models with a committed `<name>.input.npy` / `<name>.output.npy` (QDQ models are the int8 suites' job). */
function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const dir of ['models', 'fashion-mnist']) {
    const full = join(FIXTURES, dir);
    if (!existsSync(full)) continue;
    for (const file of readdirSync(full).sort()) {
      if (!file.endsWith('.onnx') || file.includes('-qdq')) continue;
      const name = file.slice(0, -'.onnx'.length);
      const input = loadNpy(join(full, `${name}.input.npy`));
      const output = loadNpy(join(full, `${name}.output.npy`));
      out.push({ name, path: join(full, file), input, output });
    }
  }
  return out;
}

const FIXTURE_LIST = fixtures();
const levels = isaLevels();

/** The first `n` items of a batch. */
function firstOf(v: OrtValue, n: number): OrtValue {
  const per = v.dims.slice(1).reduce((a, b) => a * b, 1);
  return { type: v.type, dims: [n, ...v.dims.slice(1)], data: v.data.slice(0, n * per) as OrtValue['data'] };
}

/** A seeded random NCHW input with another spatial size (for models with dynamic H/W). */
function otherSize(v: OrtValue, h: number, w: number): OrtValue {
  const next = rng(99);
  const dims = [1, v.dims[1], h, w];
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1)).map(() => next() * 2 - 1);
  return { type: 'float32', dims, data };
}

test('fixtures are present', () => {
  expect(FIXTURE_LIST.map((f) => f.name)).toEqual(expect.arrayContaining(['resnet-style', 'mobilenet-style', 'unet-style', 'tiny-transformer']));
});

describe.each(FIXTURE_LIST.map((f) => [f.name, f] as const))('%s', (_name, fx) => {
  let reference: OrtValue;

  beforeAll(async () => {
    const session = await ortSession(fx.path, 1);
    const out = await ortRun(session, { [session.inputNames[0]]: fx.input });
    reference = out[session.outputNames[0]];
    await session.release();
  });

  test('onnxruntime-node matches the torch reference', () => {
    expectClose(`${fx.name} ort vs torch`, reference, fx.output);
  });

  test('sparq matches onnxruntime-node and torch at every ISA level with 1 and 2 threads', async () => {
    for (const isa of levels) {
      for (const threads of [1, 2]) {
        const engine = await loadEngine(fx.path, { isa, threads });
        try {
          const out = await runEngine(engine, { input: fx.input });
          const actual = Object.values(out)[0];
          expectClose(`${fx.name} [${isa}, ${threads} threads] vs onnxruntime`, actual, reference);
          expectClose(`${fx.name} [${isa}, ${threads} threads] vs torch`, actual, fx.output);
        } finally {
          engine.dispose();
        }
      }
    }
  });

  test('sparq handles batch 1 and (for CNNs) another input size like onnxruntime-node, with run and runSync', async () => {
    const feeds: OrtValue[] = [firstOf(fx.input, 1)];
    if (fx.input.dims.length === 4 && !fx.name.includes('fmnist')) feeds.push(otherSize(fx.input, 40, 24));
    for (const input of feeds) {
      const ref = Object.values(await ortEval(fx.path, { input }))[0];
      expect(ref.dims[0]).toBe(1);
      const engine = await loadEngine(fx.path, { threads: 1 });
      try {
        const actual = Object.values(await runEngine(engine, { input }))[0];
        expectClose(`${fx.name} input [${input.dims.join(',')}]`, actual, ref);
        const sync = Object.values(engine.runSync({ input: new Tensor('float32', input.data as Float32Array, input.dims) }))[0];
        expectClose(`${fx.name} input [${input.dims.join(',')}] runSync`, sync, ref);
      } finally {
        engine.dispose();
      }
    }
  });
});

const FMNIST = join(FIXTURES, 'fashion-mnist');

/** Class predictions of a [N, 10] logits array. */
function argmaxRows(data: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * classes < data.length; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (data[r * classes + c] > data[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

describe('Fashion-MNIST fixtures', () => {
  let images: NpyArray;
  let labels: number[];
  let metrics: { models: Record<string, { test_accuracy: number; subset_accuracy: number }> };

  beforeAll(() => {
    images = loadNpy(join(FMNIST, 'test-images.npy'));
    labels = Array.from(loadNpy(join(FMNIST, 'test-labels.npy')).data as BigInt64Array, Number);
    metrics = JSON.parse(readFileSync(join(FMNIST, 'metrics.json'), 'utf8'));
  });

  test('the committed subsets have the documented shapes and preprocessing', () => {
    expect(images.type).toBe('float32');
    expect(images.dims).toEqual([2000, 1, 28, 28]);
    expect(labels.length).toBe(2000);
    expect(new Set(labels).size).toBe(10);
    const calibration = loadNpy(join(FMNIST, 'calibration.npy'));
    expect(calibration.dims).toEqual([500, 1, 28, 28]);
    // (p / 255 - 0.2860) / 0.3530 maps pixel 0 to -0.8102 and 255 to 2.0227.
    const data = images.data as Float32Array;
    expect(Math.min(...data.subarray(0, 78400))).toBeCloseTo(-0.2860 / 0.353, 4);
    expect(Math.max(...data.subarray(0, 78400))).toBeCloseTo((1 - 0.286) / 0.353, 4);
  });

  /** Predictions of onnxruntime-node over the subset in batches of 500. */
  async function ortPredictions(model: string): Promise<number[]> {
    const session = await ortSession(model, 2);
    const preds: number[] = [];
    const per = 28 * 28;
    for (let i = 0; i < 2000; i += 500) {
      const input: OrtValue = { type: 'float32', dims: [500, 1, 28, 28], data: (images.data as Float32Array).slice(i * per, (i + 500) * per) };
      const out = await ortRun(session, { [session.inputNames[0]]: input });
      preds.push(...argmaxRows(out[session.outputNames[0]].data as Float32Array, 10));
    }
    await session.release();
    return preds;
  }

  const accuracy = (preds: number[]) => preds.filter((p, i) => p === labels[i]).length / labels.length;

  test.each(['resnet-fmnist', 'mobilenet-fmnist'])('%s reaches >= 88%% on the subset in onnxruntime-node as torch measured, and sparq agrees', async (name) => {
    const acc = accuracy(await ortPredictions(join(FMNIST, `${name}.onnx`)));
    expect(acc).toBeGreaterThanOrEqual(0.88);
    expect(Math.abs(acc - metrics.models[name].subset_accuracy)).toBeLessThanOrEqual(0.001);
    const engine = await loadEngine(join(FMNIST, `${name}.onnx`), { threads: 2 });
    try {
      const preds: number[] = [];
      const per = 28 * 28;
      for (let i = 0; i < 2000; i += 500) {
        const input: OrtValue = { type: 'float32', dims: [500, 1, 28, 28], data: (images.data as Float32Array).slice(i * per, (i + 500) * per) };
        preds.push(...argmaxRows(Object.values(await runEngine(engine, { input }))[0].data as Float32Array, 10));
      }
      expect(Math.abs(accuracy(preds) - acc)).toBeLessThanOrEqual(0.001);
    } finally {
      engine.dispose();
    }
  });

  test('the QDQ model is int8 QDQ and onnxruntime-node agrees with torch quantized', async () => {
    const path = join(FMNIST, 'resnet-fmnist-qdq.onnx');
    const graph = decodeModel(new Uint8Array(readFileSync(path)));
    const ops = graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'QuantizeLinear').length).toBeGreaterThan(10);
    expect(ops.filter((o) => o === 'DequantizeLinear').length).toBeGreaterThan(10);
    expect(ops.filter((o) => o === 'Conv').length).toBe(16);
    const acc = accuracy(await ortPredictions(path));
    expect(acc).toBeGreaterThanOrEqual(0.87);
    expect(Math.abs(acc - metrics.models['resnet-fmnist-qdq'].subset_accuracy)).toBeLessThanOrEqual(0.01);
    const sample = loadNpy(join(FMNIST, 'resnet-fmnist-qdq.input.npy'));
    const torchOut = loadNpy(join(FMNIST, 'resnet-fmnist-qdq.output.npy'));
    const ortOut = Object.values(await ortEval(path, { input: sample }))[0];
    expect(argmaxRows(ortOut.data as Float32Array, 10)).toEqual(argmaxRows(torchOut.data as Float32Array, 10));
  });
});
