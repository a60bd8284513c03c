/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Randomized windows, resizes and slices: our output shapes (and folded slice values) against onnxruntime's. */
import type { AttrValue, Graph } from '../lib/ir/graph';
import { makeTensor } from '../lib/ir/tensor-values';
import { encodeModel } from '../lib/onnx/encode';
import { foldConstants } from '../lib/passes/constant-folding';
import { specialize } from '../lib/passes/shape-inference';
import { ortEval } from './support/ort';
import { attrs, emptyGraph, randomFloats } from './onnx-graph-builder';

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return Math.floor(((s >>> 0) / 4294967296) * n);
  };
}

function singleNode(op: string, opset: number, x: number[], constants: [string, ReturnType<typeof makeTensor>][], a: Record<string, AttrValue>, inputs?: string[]): Graph {
  const g = emptyGraph(opset);
  g.inputs.push({ name: 'x', type: 'float32', shape: x });
  for (const [name, t] of constants) g.initializers.set(name, t);
  g.nodes.push({ name: 'n', opType: op, domain: '', inputs: inputs ?? ['x', ...constants.map(([n]) => n)], outputs: ['y'], attrs: a });
  g.outputs.push({ name: 'y', type: 'float32', shape: [], shapeUnknown: true });
  return g;
}

async function ortShape(g: Graph): Promise<number[]> {
  const x = g.inputs[0].shape as number[];
  const n = x.reduce((a, b) => a * b, 1);
  const out = await ortEval(encodeModel(g), { x: { type: 'float32', dims: x, data: randomFloats(n, 4) } });
  return out.y.dims;
}

describe('random windows against onnxruntime', () => {
  test('Conv, ConvTranspose, MaxPool and AveragePool output shapes', async () => {
    const r = rng(2024);
    const mismatches: string[] = [];
    for (let i = 0; i < 80; i++) {
      const kind = ['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool'][i % 4];
      const k = [1 + r(3), 1 + r(3)];
      const s = [1 + r(3), 1 + r(3)];
      const autoPad = ['NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'][r(5)];
      // onnxruntime rejects dilations with SAME_* auto_pad, so those draws use no dilation.
      const dilated = kind !== 'AveragePool' && !autoPad.startsWith('SAME');
      const d = dilated ? [1 + r(2), 1 + r(2)] : [1, 1];
      const pads = autoPad === 'NOTSET' ? [r(k[0]), r(k[1]), r(k[0]), r(k[1])] : undefined;
      const hw = [(k[0] - 1) * d[0] + 1 + r(9), (k[1] - 1) * d[1] + 1 + r(9)];
      const a: Record<string, unknown> = { kernel_shape: k, strides: s, auto_pad: autoPad };
      if (pads) a.pads = pads;
      if (kind !== 'AveragePool') a.dilations = d;
      let g: Graph;
      if (kind === 'Conv' || kind === 'ConvTranspose') {
        const wDims = kind === 'Conv' ? [3, 2, k[0], k[1]] : [2, 3, k[0], k[1]];
        if (kind === 'ConvTranspose' && autoPad === 'NOTSET' && r(2)) a.output_padding = [r(Math.min(s[0], d[0])), r(Math.min(s[1], d[1]))];
        g = singleNode(kind, 17, [1, 2, hw[0], hw[1]], [['w', makeTensor('float32', wDims, randomFloats(wDims.reduce((p, q) => p * q, 1)))]], attrs(a as never));
      } else {
        if (autoPad === 'NOTSET' && r(2)) a.ceil_mode = 1;
        g = singleNode(kind, 19, [1, 2, hw[0], hw[1]], [], attrs(a as never));
      }
      const ours = specialize(g, new Map()).outputs[0].shape;
      const theirs = await ortShape(g);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`${kind} ${JSON.stringify(a)} x=${hw}: ours ${ours} ort ${theirs}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('Resize output sizes from random scales (float32 rounding like onnxruntime)', async () => {
    const r = rng(77);
    const mismatches: string[] = [];
    for (let i = 0; i < 40; i++) {
      const hw = [1 + r(13), 1 + r(13)];
      const scales = [1, 1, 0.25 + r(300) / 64, 0.25 + r(300) / 64];
      const g = singleNode('Resize', 13, [1, 1, hw[0], hw[1]], [['scales', makeTensor('float32', [4], scales)]], attrs({ mode: i % 2 ? 'linear' : 'nearest' }), ['x', '', 'scales']);
      const ours = specialize(g, new Map()).outputs[0].shape;
      const theirs = await ortShape(g);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) mismatches.push(`x=${hw} scales=${scales}: ours ${ours} ort ${theirs}`);
    }
    expect(mismatches).toEqual([]);
  });

  test('Slice with random starts/ends/steps: shapes and folded values', async () => {
    const r = rng(5);
    const big = 9223372036854775807n;
    const pick = (dim: number): bigint => {
      const choice = r(6);
      if (choice === 0) return big;
      if (choice === 1) return -big;
      return BigInt(r(2 * dim + 5) - dim - 2);
    };
    for (let i = 0; i < 60; i++) {
      const dims = [1 + r(6), 1 + r(6)];
      const axes = r(2) ? [0, 1] : [r(2) ? -1 : 0];
      const starts = axes.map((a) => pick(dims[a < 0 ? a + 2 : a]));
      const ends = axes.map((a) => pick(dims[a < 0 ? a + 2 : a]));
      const steps = axes.map(() => BigInt((1 + r(3)) * (r(2) ? 1 : -1)));
      const g = emptyGraph(13);
      const n = dims[0] * dims[1];
      g.initializers.set('data', makeTensor('float32', dims, Array.from({ length: n }, (_, k) => k)));
      g.initializers.set('starts', makeTensor('int64', [axes.length], starts));
      g.initializers.set('ends', makeTensor('int64', [axes.length], ends));
      g.initializers.set('axes', makeTensor('int64', [axes.length], axes));
      g.initializers.set('steps', makeTensor('int64', [axes.length], steps));
      g.nodes.push({ name: 'slice', opType: 'Slice', domain: '', inputs: ['data', 'starts', 'ends', 'axes', 'steps'], outputs: ['y'], attrs: {} });
      g.outputs.push({ name: 'y', type: 'float32', shape: [], shapeUnknown: true });
      const ort = (await ortEval(encodeModel(g), {})).y;
      foldConstants(g);
      const folded = g.initializers.get('y')!;
      const label = `dims=${dims} axes=${axes} starts=${starts} ends=${ends} steps=${steps}`;
      expect([label, folded.dims]).toEqual([label, ort.dims]);
      expect([label, Array.from(folded.data as Float32Array)]).toEqual([label, Array.from(ort.data as Float32Array)]);
    }
  });
});
