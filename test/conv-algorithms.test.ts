/**
 * Per-layer algorithm choice end to end: a small CNN whose 3x3 convs qualify for Winograd F(2,3) and whose 1x1
 * conv and classifier Gemm carry 2:4-sparse weights runs on those kernels ("auto"), at every ISA level, and
 * matches onnxruntime-node; engine.profile() names the chosen kernels.
 * @jest-environment ./test/support/ort-environment.js
 */
import { Engine, Tensor } from '../lib';
import { encodeModel } from '../lib/onnx/encode';
import { addNode, emptyGraph, init, input, node, output, randomFloats } from './onnx-graph-builder';
import { expectClose, ortEval } from './support/ort';
import { isaLevels } from './support/sparq-run';

/** Keeps the two largest-magnitude values of every 4 consecutive ones along the last (reduction) axis. */
function prune24(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let g = 0; g < values.length; g += 4) {
    const order = [0, 1, 2, 3].sort((a, b) => Math.abs(values[g + b]) - Math.abs(values[g + a]));
    for (const i of order.slice(0, 2)) out[g + i] = values[g + i];
  }
  return out;
}

/** X [1,32,12,12] -> conv3x3 32->64 + relu (a) -> conv3x3 64->64 + a, relu -> conv1x1 64->256 (2:4) + relu
 *  -> global average pool -> flatten -> Gemm 256->512 (2:4, transB) + bias. */
function model(): Uint8Array {
  const g = emptyGraph(13);
  input(g, 'x', 'float32', [1, 32, 12, 12]);
  output(g, 'y', 'float32', [1, 512]);
  const scaled = (n: number, seed: number, scale: number) => randomFloats(n, seed).map((v) => v * scale);
  init(g, 'w1', 'float32', [64, 32, 3, 3], scaled(64 * 32 * 9, 1, 0.1));
  init(g, 'b1', 'float32', [64], randomFloats(64, 2));
  init(g, 'w2', 'float32', [64, 64, 3, 3], scaled(64 * 64 * 9, 3, 0.05));
  init(g, 'b2', 'float32', [64], randomFloats(64, 4));
  init(g, 'w3', 'float32', [256, 64, 1, 1], prune24(scaled(256 * 64, 5, 0.2)));
  init(g, 'b3', 'float32', [256], randomFloats(256, 6));
  init(g, 'w4', 'float32', [512, 256], prune24(scaled(512 * 256, 7, 0.1)));
  init(g, 'b4', 'float32', [512], randomFloats(512, 8));
  const pads = { pads: [1, 1, 1, 1], kernel_shape: [3, 3] };
  addNode(g, node('Conv', ['x', 'w1', 'b1'], ['c1'], pads));
  addNode(g, node('Relu', ['c1'], ['a']));
  addNode(g, node('Conv', ['a', 'w2', 'b2'], ['c2'], pads));
  addNode(g, node('Add', ['c2', 'a'], ['s']));
  addNode(g, node('Relu', ['s'], ['r2']));
  addNode(g, node('Conv', ['r2', 'w3', 'b3'], ['c3'], { kernel_shape: [1, 1] }));
  addNode(g, node('Relu', ['c3'], ['r3']));
  addNode(g, node('GlobalAveragePool', ['r3'], ['p']));
  addNode(g, node('Flatten', ['p'], ['f']));
  addNode(g, node('Gemm', ['f', 'w4', 'b4'], ['y'], { transB: 1 }));
  return encodeModel(g);
}

describe('per-layer algorithms (Winograd F(2,3), 2:4 sparse) vs onnxruntime-node', () => {
  const bytes = model();
  const x = randomFloats(32 * 12 * 12, 9);

  it.each(isaLevels())('runs Winograd and 2:4 kernels at ISA level %s and matches', async (isa) => {
    const want = await ortEval(bytes, { x: { type: 'float32', dims: [1, 32, 12, 12], data: x } });
    const engine = await Engine.load(bytes, { threads: 1, isa });
    try {
      const got = await engine.run({ x: new Tensor('float32', x, [1, 32, 12, 12]) });
      expectClose(`model at ${isa}`, { dims: [...got.y.dims], data: got.y.data as Float32Array }, want.y);
      const kernels = engine.profile().map((p) => `${p.type}: ${p.kernel}`);
      const convs = kernels.filter((k) => k.startsWith('Conv:'));
      expect(convs).toHaveLength(3);
      expect(convs[0]).toMatch(/^Conv: f32-winograd-f23-\S+ winograd$/);
      expect(convs[1]).toMatch(/^Conv: f32-winograd-f23-\S+ winograd$/);
      expect(convs[2]).toMatch(/^Conv: f32-sparse24-gemm-\S+ sparse24 direct$/);
      expect(kernels).toContainEqual(expect.stringMatching(/^Gemm: f32-sparse24-gemv-\S+ sparse24$/));
    } finally {
      engine.dispose();
    }
  });
});
