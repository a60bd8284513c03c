/** engine.summary() (lib/summary/model-summary.ts): parameters, MACs, sparsity pattern and kernel per layer, with totals checked against values computed here. */
import { join } from 'path';
import { Engine } from '../lib';
import type { Graph } from '../lib/ir/graph';
import { FMNIST, foldedSource, macsOf } from './support/channel-pruning-reference';
import { GraphBuilder, randomFloats } from './support/graph-builder';

const BYTES: Record<string, number> = { float32: 4, int64: 8, int32: 4, int8: 1, uint8: 1 };

function initializerBytes(g: Graph): number {
  let n = 0;
  for (const t of g.initializers.values()) n += t.dims.reduce((a, b) => a * b, 1) * BYTES[t.type];
  return n;
}

describe('engine.summary', () => {
  test('ResNet fixture: 16 convs and the classifier, totals as computed here', async () => {
    const engine = await Engine.load(join(FMNIST, 'resnet-fmnist.onnx'), { threads: 1 });
    try {
      const s = engine.summary();
      expect(s.layers).toHaveLength(17);
      expect(s.layers[0]).toMatchObject({ name: '/stem/stem.0/Conv', opType: 'Conv', parameters: 16 * 9 + 16, macs: 16 * 28 * 28 * 9, sparsity: 'dense' });
      expect(s.layers[16]).toMatchObject({ name: '/fc/Gemm', opType: 'Gemm', parameters: 650, macs: 640 });
      expect(s.totals.macs).toBe(macsOf(foldedSource(engine)));
      expect(s.totals.parameters).toBe(s.layers.reduce((n, l) => n + l.parameters, 0));
      expect(s.totals.weightBytes).toBe(initializerBytes(engine.sourceGraph()));
      for (const l of s.layers) expect(l.kernel).toMatch(/^f32-/);
    } finally {
      engine.dispose();
    }
  });

  test('after a run the kernels are the ones the run used', async () => {
    const engine = await Engine.load(join(FMNIST, 'mobilenet-fmnist.onnx'), { threads: 1 });
    try {
      const { Tensor } = await import('../lib');
      await engine.run({ input: new Tensor('float32', new Float32Array(784), [1, 1, 28, 28]) });
      const used = new Map(engine.profile().map((p) => [p.name.split('+')[0], p.kernel]));
      const s = engine.summary();
      const depthwise = s.layers.find((l) => l.name === '/blocks/blocks.1/body/body.3/Conv')!;
      expect(depthwise.kernel).toBe(used.get('/blocks/blocks.1/body/body.3/Conv'));
      expect(depthwise.macs).toBe(64 * 7 * 7 * 9);
      expect(depthwise.parameters).toBe(64 * 9 + 64);
    } finally {
      engine.dispose();
    }
  });

  test('sparsity patterns: dense, 2:4 along the reduction dim, unstructured percentage', () => {
    const b = new GraphBuilder(17);
    const x = b.input('input', [1, 8, 6, 6]);
    const twoFour = randomFloats(16 * 8 * 9, 3);
    for (let i = 0; i < twoFour.length; i += 4) twoFour[i] = twoFour[i + 2] = 0;
    const unstructured = randomFloats(16 * 16 * 9, 4);
    for (let i = 0; i < unstructured.length; i++) if (i % 10 < 3) unstructured[i] = 0;
    const y1 = b.node('Conv', [x, b.init('w1', [16, 8, 3, 3], twoFour)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const y2 = b.node('Conv', [y1, b.init('w2', [16, 16, 3, 3], unstructured)], { kernel_shape: [3, 3] });
    b.node('Conv', [y2, b.init('w3', [4, 16, 1, 1])], { kernel_shape: [1, 1] }, ['y']);
    b.output('y', [1, 4, 4, 4]);
    const engine = Engine.fromGraph(b.build(), { threads: 1 });
    try {
      const s = engine.summary();
      expect(s.layers.map((l) => l.sparsity)).toEqual(['2:4', 'unstructured 30%', 'dense']);
      expect(s.layers.map((l) => l.macs)).toEqual([16 * 36 * 72, 16 * 16 * 144, 4 * 16 * 16]);
      expect(s.totals.weightBytes).toBe(4 * (16 * 72 + 16 * 144 + 64));
    } finally {
      engine.dispose();
    }
  });

  test('int8 QDQ fixture: same layers and MACs as fp32, int8 kernels, int8 weights counted as bytes', async () => {
    const fp32 = await Engine.load(join(FMNIST, 'resnet-fmnist.onnx'), { threads: 1 });
    const qdq = await Engine.load(join(FMNIST, 'resnet-fmnist-qdq.onnx'), { threads: 1 });
    try {
      const a = fp32.summary();
      const q = qdq.summary();
      expect(q.layers.map((l) => l.macs)).toEqual(a.layers.map((l) => l.macs));
      expect(q.layers.map((l) => l.parameters)).toEqual(a.layers.map((l) => l.parameters));
      expect(q.layers.every((l) => l.sparsity === 'dense')).toBe(true);
      expect(q.layers.filter((l) => l.opType === 'Conv').every((l) => /^q[su]8-/.test(l.kernel))).toBe(true);
      expect(q.totals.weightBytes).toBe(initializerBytes(qdq.sourceGraph()));
      expect(q.totals.weightBytes).toBeLessThan(a.totals.weightBytes / 2);
    } finally {
      fp32.dispose();
      qdq.dispose();
    }
  });
});
