/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Real PyTorch-exported fixtures: decode, check support, specialize, re-encode, and let onnxruntime confirm the result. */
import * as fs from 'fs';
import * as path from 'path';
import { loadNpy } from '../lib/format/npy';
import { assertSupported } from '../lib/ir/op-support';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { specialize } from '../lib/passes/shape-inference';
import { expectClose, ortEval, OrtValue } from './support/ort';
import { makeTensor } from '../lib/ir/tensor-values';
import { randomFloats } from './onnx-graph-builder';

const DIR = path.join(__dirname, 'fixtures', 'models');
const MODELS = fs.readdirSync(DIR).filter((f) => f.endsWith('.onnx')).map((f) => f.replace(/\.onnx$/, ''));

describe.each(MODELS)('fixture %s', (name) => {
  const bytes = fs.readFileSync(path.join(DIR, `${name}.onnx`));
  const input = loadNpy(path.join(DIR, `${name}.input.npy`));
  const reference = loadNpy(path.join(DIR, `${name}.output.npy`));

  test('decodes, passes the support check and re-encodes to a model onnxruntime runs identically', async () => {
    const g = decodeModel(bytes);
    expect(g.opset).toBe(17);
    expect(g.inputs).toHaveLength(1);
    expect(g.nodes.length).toBeGreaterThan(5);
    assertSupported(g);
    const feeds = { [g.inputs[0].name]: { type: input.type, dims: input.dims, data: input.data } };
    const original = await ortEval(bytes, feeds);
    const reencoded = await ortEval(encodeModel(g), feeds);
    const out = g.outputs[0].name;
    expect(reencoded[out].dims).toEqual(original[out].dims);
    expect(Array.from(reencoded[out].data as Float32Array)).toEqual(Array.from(original[out].data as Float32Array));
    expectClose(name, original[out], reference);
  });

  test('specialize gives every value a concrete shape, folds the shape math, and still computes the same', async () => {
    const g = decodeModel(bytes);
    const s = specialize(g, new Map([[g.inputs[0].name, input.dims]]));
    for (const n of s.nodes) {
      expect(['Shape', 'Size', 'ConstantOfShape', 'Range']).not.toContain(n.opType);
      for (const o of n.outputs) {
        const info = s.valueInfo.get(o)!;
        expect(info).toBeDefined();
        expect(info.shape.every((d) => typeof d === 'number')).toBe(true);
      }
    }
    expect(s.outputs[0].shape).toEqual(reference.dims);
    const feeds = { [s.inputs[0].name]: { type: input.type, dims: input.dims, data: input.data } };
    const result = await ortEval(encodeModel(s), feeds);
    expectClose(`${name} specialized`, result[s.outputs[0].name], reference);
  });
});

/** Every .onnx committed under test/fixtures (present and future), wherever it lives. */
function allModels(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return allModels(p);
    return e.name.endsWith('.onnx') ? [p] : [];
  });
}

describe.each(allModels(path.join(__dirname, 'fixtures')).map((p) => path.relative(__dirname, p)))('committed model %s', (rel) => {
  test('re-encoding keeps onnxruntime\'s outputs bit-identical', async () => {
    const file = path.join(__dirname, rel);
    const g = decodeModel(fs.readFileSync(file), { baseDir: path.dirname(file) });
    const feeds: Record<string, OrtValue> = {};
    g.inputs.forEach((v, i) => {
      // Symbolic dims: 2 for batch-like names, else 32 (a multiple of every stride the CNN fixtures use).
      const dims = v.shape.map((d) => (typeof d === 'number' ? d : String(d).toLowerCase().includes('batch') ? 2 : 32));
      const n = dims.reduce((a, b) => a * b, 1);
      const t = makeTensor(v.type, dims, Array.from(randomFloats(n, 20 + i), (x) => (v.type === 'float32' ? x : v.type === 'bool' ? x > 0 : Math.round(x))));
      feeds[v.name] = { type: v.type, dims, data: t.data as OrtValue['data'] };
    });
    const original = await ortEval(file, feeds);
    const reencoded = await ortEval(encodeModel(g), feeds);
    for (const o of g.outputs) {
      expect(reencoded[o.name].dims).toEqual(original[o.name].dims);
      expect(Array.from(reencoded[o.name].data as ArrayLike<number>)).toEqual(Array.from(original[o.name].data as ArrayLike<number>));
    }
  });
});
