/**
 * Every fp32 fixture model end to end: onnxruntime-node vs torch's reference output, and sparq vs
 * onnxruntime-node and vs torch at every ISA level with 1 and 2 threads.
 * @jest-environment ./test/support/ort-environment.js
 */
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { loadNpy } from '../lib/format/npy';
import { expectClose, ortEval, ortRun, ortSession, OrtValue } from './support/ort';
import { engineAvailable, isaLevels, loadEngine, runEngine } from './support/sparq-run';
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
    if (!engineAvailable) return; // lib/index.ts does not export Engine yet: the ORT half above still runs
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

  test('sparq handles batch 1 and (for CNNs) another input size like onnxruntime-node', async () => {
    const feeds: OrtValue[] = [firstOf(fx.input, 1)];
    if (fx.input.dims.length === 4 && !fx.name.includes('fmnist')) feeds.push(otherSize(fx.input, 40, 24));
    for (const input of feeds) {
      const ref = Object.values(await ortEval(fx.path, { input }))[0];
      expect(ref.dims[0]).toBe(1);
      if (!engineAvailable) continue;
      const engine = await loadEngine(fx.path, { threads: 1 });
      try {
        const actual = Object.values(await runEngine(engine, { input }))[0];
        expectClose(`${fx.name} input [${input.dims.join(',')}]`, actual, ref);
      } finally {
        engine.dispose();
      }
    }
  });
});
