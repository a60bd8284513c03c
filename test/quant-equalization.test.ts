/** Cross-layer equalization: which pairs qualify (Relu / LeakyRelu yes, ReLU6 no), exactness of the equalized fp32 model, balanced ranges. */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import type { Graph, TensorValue } from '../lib/ir/graph';
import { cloneGraph } from '../lib/ir/graph-utils';
import { equalizationPairs, equalizeGraph } from '../lib/quant/cross-layer-equalization';
import { prepareGraph } from '../lib/quant/prepare-graph';
import { decodeModel } from '../lib/onnx/decode';
import { readFileSync } from 'fs';
import { GraphBuilder, randomFloats } from './support/graph-builder';
import { FASHION_DIR, IMAGE_SIZE, calibrationFeeds, testImages, testLabels } from './support/fashion-mnist-quant';

/** Conv(3→8) → Relu → depthwise(8) → LeakyRelu → Conv(8→6) → Clip(0, 6) → Conv(6→4); channel ranges spread over 3 decades. */
function chain(): { g: Graph; convs: string[] } {
  const b = new GraphBuilder(13);
  const x = b.input('x', [2, 3, 9, 9]);
  let v = b.conv(x, 3, 8, 3, { pads: [1, 1, 1, 1] });
  const w1 = b.g.initializers.get(b.g.nodes[0].inputs[1])!;
  const spread = (w1.data as Float32Array).map((value, i) => value * 10 ** (Math.floor(i / 27) / 2.5 - 1.5));
  b.g.initializers.set(b.g.nodes[0].inputs[1], { ...w1, data: spread });
  v = b.node('Relu', [v]);
  v = b.conv(v, 8, 8, 3, { pads: [1, 1, 1, 1], group: 8 });
  v = b.node('LeakyRelu', [v], { alpha: 0.1 });
  v = b.conv(v, 8, 6, 1);
  v = b.node('Clip', [v, b.scalar(0), b.scalar(6)]);
  v = b.conv(v, 6, 4, 1);
  b.output(v, [2, 4, 9, 9]);
  return { g: b.build(), convs: b.g.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name) };
}

const weightsOf = (g: Graph, conv: string): Float32Array => g.initializers.get(g.nodes.find((n) => n.name === conv)!.inputs[1])!.data as Float32Array;

async function run(g: Graph, feeds: Record<string, Tensor>): Promise<Float32Array> {
  const engine = Engine.fromGraph(g, { threads: 1 });
  try {
    const out = await engine.run(feeds);
    return Object.values(out)[0].data as Float32Array;
  } finally {
    engine.dispose();
  }
}

/** max |a - b| / max |a|. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return diff / scale;
}

describe('equalizationPairs', () => {
  test('Relu and LeakyRelu pairs qualify, a ReLU6 Clip does not, Clip(0, ∞) does', () => {
    const { g, convs } = chain();
    expect(equalizationPairs(g).map((p) => [p.first.name, p.second.name, p.activation?.opType])).toEqual([
      [convs[0], convs[1], 'Relu'],
      [convs[1], convs[2], 'LeakyRelu'],
    ]);
    const clip = g.nodes.find((n) => n.opType === 'Clip')!;
    clip.inputs = clip.inputs.slice(0, 2);
    expect(equalizationPairs(g).map((p) => p.first.name)).toEqual([convs[0], convs[1], convs[2]]);
  });

  test('a middle value read twice (residual) or a graph output breaks the pair', () => {
    const { g, convs } = chain();
    const relu = g.nodes.find((n) => n.opType === 'Relu')!;
    g.outputs.push({ name: relu.outputs[0], type: 'float32', shape: [2, 8, 9, 9] });
    expect(equalizationPairs(g).map((p) => p.first.name)).toEqual([convs[1]]);
  });
});

describe('equalizeGraph', () => {
  test('the equalized fp32 model computes the same outputs (1e-5 relative) with balanced channel ranges', async () => {
    const { g, convs } = chain();
    const original = cloneGraph(g);
    const result = equalizeGraph(g);
    expect(result.pairs.length).toBe(2);
    expect(result.iterations).toBeGreaterThan(1);
    const x = new Tensor('float32', randomFloats(2 * 3 * 81, 7, -2, 2), [2, 3, 9, 9]);
    const before = await run(original, { x });
    const after = await run(g, { x });
    expect(relativeError(before, after)).toBeLessThan(1e-5);
    // Range of output channel c of conv 0 (27 weights) and of depthwise channel c (9 weights): now equal.
    const w0 = weightsOf(g, convs[0]);
    const w1 = weightsOf(g, convs[1]);
    const max = (w: Float32Array, from: number, n: number) => Math.max(...Array.from(w.subarray(from, from + n), Math.abs));
    const spreadBefore = max(weightsOf(original, convs[0]), 7 * 27, 27) / max(weightsOf(original, convs[0]), 0, 27);
    expect(spreadBefore).toBeGreaterThan(100);
    for (let c = 0; c < 8; c++) expect(max(w0, c * 27, 27) / max(w1, c * 9, 9)).toBeCloseTo(1, 2);
    // The conv after the ReLU6 keeps its weights; the original graph's arrays were not written into.
    expect(weightsOf(g, convs[3])).toEqual(weightsOf(original, convs[3]));
    expect(weightsOf(original, convs[0])).not.toEqual(w0);
  });

  test('on the ResNet fixture (six conv1 → Relu → conv2 pairs) the equalized fp32 model is exact within 1e-5', async () => {
    const g = prepareGraph(decodeModel(readFileSync(join(FASHION_DIR, 'resnet-fmnist.onnx'))));
    const original = cloneGraph(g);
    expect(equalizeGraph(g).pairs.length).toBe(6);
    const n = 16;
    const input = new Tensor('float32', testImages.slice(0, n * IMAGE_SIZE), [n, 1, 28, 28]);
    expect(relativeError(await run(original, { input }), await run(g, { input }))).toBeLessThan(1e-5);
    const changed = [...g.initializers].filter(([k, t]) => (t as TensorValue).data !== original.initializers.get(k)!.data);
    expect(changed.length).toBe(6 * 2 + 6); // both weights and the first bias of each pair
  });
});

describe('engine.quantize({ equalize: true })', () => {
  test('quantizes the equalized ResNet: other int8 weights, top-1 within 0.5 points of fp32 on 500 test images', async () => {
    const engine = await Engine.load(join(FASHION_DIR, 'resnet-fmnist.onnx'), { threads: 1 });
    const plain = await engine.quantize({ calibration: calibrationFeeds(50) });
    const equalized = await engine.quantize({ calibration: calibrationFeeds(50), equalize: true });
    try {
      const int8Weights = (e: Engine) => {
        const g = e.sourceGraph();
        // conv2: its input channels were rescaled (conv1's per-output-channel int8 codes cannot change).
        const conv = g.nodes.find((n) => n.name === '/blocks/blocks.0/conv2/Conv')!;
        const dq = g.nodes.find((n) => n.outputs[0] === conv.inputs[1])!;
        return g.initializers.get(dq.inputs[0])!.data as Int8Array;
      };
      expect(int8Weights(equalized)).not.toEqual(int8Weights(plain));
      const n = 500;
      const input = new Tensor('float32', testImages.slice(0, n * IMAGE_SIZE), [n, 1, 28, 28]);
      const top1 = async (e: Engine) => {
        const logits = (await e.run({ input })).logits.data as Float32Array;
        let ok = 0;
        for (let r = 0; r < n; r++) {
          const row = Array.from(logits.subarray(r * 10, r * 10 + 10));
          if (row.indexOf(Math.max(...row)) === Number(testLabels[r])) ok++;
        }
        return (100 * ok) / n;
      };
      expect((await top1(engine)) - (await top1(equalized))).toBeLessThanOrEqual(0.5);
    } finally {
      plain.dispose();
      equalized.dispose();
      engine.dispose();
    }
  });
});
