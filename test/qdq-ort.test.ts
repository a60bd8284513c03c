/**
 * QDQ / QLinear models on sparq's int8 path against onnxruntime-node: every synthetic pattern within 1 LSB of the
 * output scale at every ISA level, and the PyTorch QDQ Fashion-MNIST ResNet on the 2000 committed test images.
 * @jest-environment ./test/support/ort-environment.js
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { randomFloats } from './support/graph-builder';
import { ortEval, ortRun, ortSession, OrtValue } from './support/ort';
import { QdqCase, qdqCases, qlinearCases } from './support/qdq-graphs';
import { isaLevels, sparqEval } from './support/sparq-run';

const FMNIST = path.join(__dirname, 'fixtures', 'fashion-mnist');
const MODEL = path.join(FMNIST, 'resnet-fmnist-qdq.onnx');

function feedFor(c: QdqCase, seed: number): Record<string, OrtValue> {
  const n = c.shape.reduce((a, b) => a * b, 1);
  if (c.inputType === 'uint8') {
    return { x: { type: 'uint8', dims: c.shape, data: Uint8Array.from(randomFloats(n, seed, 0, 256), (v) => Math.floor(v)) } };
  }
  return { x: { type: 'float32', dims: c.shape, data: randomFloats(n, seed, -1.2, 1.2) } };
}

/** Largest |a - b|. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

describe.each(isaLevels())('QDQ patterns vs onnxruntime-node (isa %s)', (isa) => {
  for (const c of [...qdqCases(), ...qlinearCases()]) {
    test(c.name, async () => {
      const model = encodeModel(c.graph);
      for (const seed of [1, 2]) {
        const feeds = feedFor(c, seed);
        const want = (await ortEval(model, feeds)).y;
        const got = (await sparqEval(model, feeds, { isa, threads: 1 })).y;
        expect(got.dims).toEqual(want.dims);
        expect(got.type).toBe(want.type);
        const a = Array.from(got.data as ArrayLike<number>);
        const b = Array.from(want.data as ArrayLike<number>);
        if (c.outScale !== undefined) {
          // Within one step of the output quantization (ORT requantizes with a fused multiplier, we in float steps).
          expect(maxDiff(a, b)).toBeLessThanOrEqual(c.outScale * 1.001);
        } else if (want.type === 'int32') {
          expect(a).toEqual(b);
        } else {
          const refMax = Math.max(...b.map(Math.abs));
          expect(maxDiff(a, b)).toBeLessThanOrEqual(1e-4 * refMax + 1e-5);
        }
      }
    });
  }
});

describe('PyTorch QDQ ResNet (Fashion-MNIST) on the int8 path', () => {
  test('top-1 agreement with onnxruntime-node >= 99.5% on 2000 test images, logits within a few LSB, every conv as QConv', async () => {
    const images = loadNpy(path.join(FMNIST, 'test-images.npy'));
    const data = images.data as Float32Array;
    const count = images.dims[0];
    const per = data.length / count;
    const batch = 100;
    const outScale = 0.08649910986423492;
    const engine = await Engine.load(MODEL, { threads: 1 });
    const session = await ortSession(MODEL, 1);
    let agree = 0;
    let worst = 0;
    let exact = 0;
    let total = 0;
    try {
      for (let start = 0; start < count; start += batch) {
        const n = Math.min(batch, count - start);
        const slice = data.subarray(start * per, (start + n) * per);
        const dims = [n, ...images.dims.slice(1)];
        const ours = (await engine.run({ input: new Tensor('float32', slice, dims) })).logits.data as Float32Array;
        const theirs = (await ortRun(session, { input: { type: 'float32', dims, data: slice } })).logits.data as Float32Array;
        for (let i = 0; i < n; i++) {
          const a = ours.subarray(i * 10, i * 10 + 10);
          const b = theirs.subarray(i * 10, i * 10 + 10);
          if (argmax(a) === argmax(b)) agree++;
          for (let k = 0; k < 10; k++) {
            const d = Math.abs(a[k] - b[k]) / outScale;
            worst = Math.max(worst, d);
            if (d < 0.5) exact++;
            total++;
          }
        }
      }
      const rate = agree / count;
      // Printed for the README section (rerun: npx jest test/qdq-ort.test.ts).
      console.log(`resnet-fmnist-qdq: top-1 agreement ${(100 * rate).toFixed(2)}%, logits equal ${((100 * exact) / total).toFixed(2)}%, worst ${worst.toFixed(1)} LSB`);
      expect(rate).toBeGreaterThanOrEqual(0.995);
      expect(worst).toBeLessThanOrEqual(4.5);

      const profile = engine.profile();
      const qconvs = profile.filter((p) => p.type === 'QConv');
      expect(profile.filter((p) => p.type === 'Conv')).toHaveLength(0);
      expect(qconvs).toHaveLength(await ortQLinearConvCount());
      for (const p of qconvs) expect(p.kernel).toMatch(/qs8|qu8|int8/i);
    } finally {
      engine.dispose();
      await session.release();
    }
  });
});

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** How many QLinearConv onnxruntime makes of the fixture (its optimized model written with optimizedModelFilePath). */
async function ortQLinearConvCount(): Promise<number> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-qdq-')), 'optimized.onnx');
  const session = await ort.InferenceSession.create(MODEL, { graphOptimizationLevel: 'all', optimizedModelFilePath: file, intraOpNumThreads: 1 });
  await session.release();
  const g = decodeModel(fs.readFileSync(file));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return g.nodes.filter((n) => n.opType === 'QLinearConv').length;
}
