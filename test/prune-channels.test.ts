/**
 * Channel pruning (lib/prune/channel-pruning.ts): channel groups of the Fashion-MNIST fixtures, the dense pruned
 * model against the original model with the same channels zeroed (run by onnxruntime-node), and top-1 accuracy
 * with and without least-squares reconstruction on the 2000-image test subset.
 * @jest-environment ./test/support/ort-environment.js
 */
import { Engine, Tensor } from '../lib';
import type { Graph } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { analyzeChannels } from '../lib/prune/channel-groups';
import { ChannelPruneResult, pruneChannels, pruneChannelsDetailed } from '../lib/prune/channel-pruning';
import { greedyKeep, keptChannelCount } from '../lib/prune/channel-ranking';
import { NormalEquations } from '../lib/prune/least-squares';
import type { StructuredPruneContext } from '../lib/prune/structured-types';
import { calibrationBatch, calibrationSample, useFixtures, macsOf, maskedReference, testAccuracy, trainingSample } from './support/channel-pruning-reference';
import { GraphBuilder, randomFloats } from './support/graph-builder';
import { expectClose, ortEval } from './support/ort';

/** Residual streams are pruned too unless `streams` is false (the library default keeps them whole). */
function context(method: 'magnitude' | 'reconstruct', ranking: 'l1' | 'thinet', samples = 0, exclude: string[] = [], streams = true): StructuredPruneContext {
  const samplesList = Array.from({ length: samples }, (_, i) => calibrationSample(i));
  return { method, ranking, samples: samplesList, exclude: new Set(exclude), engineOptions: { threads: 1 }, pruneResidualStreams: streams };
}

/** The pruned model (sparq) equals the reference graph (onnxruntime) on 8 calibration images. */
async function expectSameAsReference(result: ChannelPruneResult, reference: Graph): Promise<void> {
  const engine = Engine.fromGraph(result.graph, { threads: 1 });
  try {
    const batch = calibrationBatch(100, 8);
    const ours = engine.runSync({ input: new Tensor('float32', batch.data, batch.dims) }).logits;
    const theirs = (await ortEval(encodeModel(reference), { input: { type: 'float32', ...batch } })).logits;
    expectClose('pruned vs masked original', ours, theirs);
  } finally {
    engine.dispose();
  }
}

describe('channel pruning', () => {
  const fx = useFixtures();

  test('kept channel counts are multiples of 4 near the ratio', () => {
    expect([keptChannelCount(16, 0.25), keptChannelCount(16, 0.375), keptChannelCount(32, 0.375), keptChannelCount(64, 0.375)]).toEqual([12, 12, 20, 40]);
    expect([keptChannelCount(18, 0.3), keptChannelCount(120, 0.25), keptChannelCount(6, 0.5), keptChannelCount(16, 0)]).toEqual([12, 92, 3, 16]);
  });

  test('an alignment keeps whole vectors in layers at least twice as wide; narrower ones keep multiples of 4', () => {
    expect([64, 72, 96, 120].map((size) => keptChannelCount(size, 0.4, 16))).toEqual([32, 48, 64, 80]);
    expect([64, 72, 96, 120].map((size) => keptChannelCount(size, 0.4, 8))).toEqual([40, 40, 56, 72]);
    // 24 < 2 x 16: multiples of 4 (14.4 -> 16); under 8 channels: the nearest count.
    expect([keptChannelCount(24, 0.4, 16), keptChannelCount(18, 0.3, 16), keptChannelCount(6, 0.5, 16)]).toEqual([16, 12, 3]);
    expect([keptChannelCount(64, 0.375, 1), keptChannelCount(10, 0.3, 1), keptChannelCount(40, 0.9, 16)]).toEqual([40, 7, 16]);
    expect([64, 72, 120].map((size) => keptChannelCount(size, 0.375, 4))).toEqual([64, 72, 120].map((size) => keptChannelCount(size, 0.375)));
  });

  test('MobileNet, ThiNet 0.4 aligned to 16 on 3000 images: >= 30% of MACs removed, drop <= 2 points, whole 16-channel vectors', async () => {
    const ctx = context('reconstruct', 'thinet', 500, [], false);
    for (let i = 0; i < 2500; i++) ctx.samples.push(trainingSample(i));
    ctx.channelAlign = 16;
    const rebuilt = await pruneChannelsDetailed(fx.mobilenetGraph, 0.4, ctx);
    // Every pruned group at least 32 wide keeps a multiple of 16 (64 -> 32, 72 -> 48, 120 -> 80, 96 -> 64).
    const kept = [...rebuilt.keep.entries()].map(([id, channels]) => [rebuilt.analysis.groups.get(id)!.size, channels.length]);
    expect(kept.filter(([size]) => size >= 32).map(([size, count]) => `${size}->${count}`).sort()).toEqual(['120->80', '64->32', '72->48', '72->48', '96->64']);
    await expectSameAsReference(rebuilt, maskedReference(fx.mobilenetGraph, rebuilt.removal, rebuilt.graph));
    const engine = Engine.fromGraph(rebuilt.graph, { threads: 1 });
    try {
      const [base, acc] = [testAccuracy(fx.mobilenet), testAccuracy(engine)];
      const removed = 1 - macsOf(rebuilt.graph) / macsOf(fx.mobilenetGraph);
      console.log(`mobilenet channels 0.4 align 16, ThiNet + reconstruct on 3000 images: MACs removed ${(100 * removed).toFixed(1)}%, top-1 ${base} -> ${acc}`);
      // Recorded in the README table (scripts/prune-channels-table.js --align 16 --train-samples 2500).
      expect(removed).toBeGreaterThanOrEqual(0.3);
      expect(base - acc).toBeLessThanOrEqual(2);
    } finally {
      engine.dispose();
    }
  }, 120000);

  test('ResNet groups: a residual stage shares one mask; model input and logits stay', () => {
    const a = analyzeChannels(fx.resnetGraph);
    const byProducer = new Map<string, number>();
    for (const g of a.groups.values()) for (const p of g.producers) byProducer.set(p.node.name, g.id);
    // The stem's channels end at block 0's convs (its shortcut is a projection); stage 1's stream starts there.
    const stage1 = byProducer.get('/blocks/blocks.0/down/down.0/Conv');
    expect(['/blocks/blocks.0/conv2/Conv', '/blocks/blocks.1/conv2/Conv'].map((n) => byProducer.get(n))).toEqual([stage1, stage1]);
    expect(byProducer.get('/stem/stem.0/Conv')).not.toBe(stage1);
    const stage3 = byProducer.get('/blocks/blocks.4/down/down.0/Conv');
    expect(byProducer.get('/blocks/blocks.5/conv2/Conv')).toBe(stage3);
    expect(byProducer.get('/blocks/blocks.4/conv1/Conv')).not.toBe(stage3);
    expect(a.groups.get(byProducer.get('/fc/Gemm')!)!.fixed).toBe('model output "logits"');
    expect([...a.groups.values()].filter((g) => !g.fixed)).toHaveLength(10);
    const fc = a.consumers.find((c) => c.node.name === '/fc/Gemm')!;
    expect(fc.layout).toEqual([{ group: stage3, channels: 64, inner: 1 }]);
  });

  test('MobileNet groups: depthwise convs and squeeze-excite ride along with their expand conv', () => {
    const a = analyzeChannels(fx.mobilenetGraph);
    const groupOf = (name: string) => [...a.groups.values()].find((g) => g.producers.some((p) => p.node.name === name))!;
    const expand = groupOf('/blocks/blocks.3/body/body.0/Conv');
    expect(expand.producers.map((p) => p.node.name).sort()).toEqual(['/blocks/blocks.3/body/body.0/Conv', '/blocks/blocks.3/body/body.6/fc2/Conv']);
    const dw = a.parameters.filter((p) => p.node.name === '/blocks/blocks.3/body/body.3/Conv');
    expect(dw.map((p) => [p.inputIndex, p.layout[0].group])).toEqual([[1, expand.id], [2, expand.id]]);
    expect(groupOf('/stem/stem.0/Conv').producers.map((p) => p.node.name)).toContain('/blocks/blocks.0/body/body.3/Conv');
  });

  test.each([
    ['resnet', 0.375],
    ['mobilenet', 0.25],
  ])('L1 pruning of %s (ratio %p) equals the original with those channels zeroed, and is smaller', async (which, ratio) => {
    const graph = which === 'resnet' ? fx.resnetGraph : fx.mobilenetGraph;
    const result = await pruneChannelsDetailed(graph, ratio, context('magnitude', 'l1'));
    await expectSameAsReference(result, maskedReference(graph, result.removal));
    // Consumers lose exactly the inputs their producers lost.
    for (const c of result.analysis.consumers) {
      const producer = result.analysis.groups.get(c.layout[0].group)!.producers[0];
      if (producer && result.removal.outputs.has(producer.node.name)) expect(result.removal.inputs.get(c.node.name)).toEqual(result.removal.outputs.get(producer.node.name));
    }
    expect(macsOf(result.graph) / macsOf(graph)).toBeLessThan(0.7);
    expect(encodeModel(result.graph).length).toBeLessThan(0.7 * encodeModel(graph).length);
  });

  test('the summary counts the MACs computed here, before and after pruning', async () => {
    const result = await pruneChannelsDetailed(fx.resnetGraph, 0.375, context('magnitude', 'l1'));
    const pruned = Engine.fromGraph(result.graph, { threads: 1 });
    try {
      expect(fx.resnet.summary().totals.macs).toBe(macsOf(fx.resnetGraph));
      expect(pruned.summary().totals.macs).toBe(macsOf(result.graph));
      expect(1 - macsOf(result.graph) / macsOf(fx.resnetGraph)).toBeGreaterThan(0.5);
    } finally {
      pruned.dispose();
    }
  });

  test('excluded layers keep their output channels; their inputs follow their producers', async () => {
    const result = await pruneChannelsDetailed(fx.resnetGraph, 0.5, context('magnitude', 'l1', 0, ['/blocks/blocks.2/conv1/Conv']));
    expect(result.removal.outputs.has('/blocks/blocks.2/conv1/Conv')).toBe(false);
    expect(result.removal.inputs.get('/blocks/blocks.2/conv1/Conv')).toHaveLength(8);
    expect(result.removal.inputs.has('/blocks/blocks.2/conv2/Conv')).toBe(false);
    await expectSameAsReference(result, maskedReference(fx.resnetGraph, result.removal));
  });

  test('default (residual streams whole), ratio 0.5 with reconstruction: >= 30% of MACs removed, drop <= 2 points; L1 alone beside it', async () => {
    const progress: string[] = [];
    const ctx = context('reconstruct', 'l1', 500, [], false);
    ctx.onProgress = (e) => progress.push(`${e.phase} ${e.done}/${e.total}`);
    const rebuilt = await pruneChannelsDetailed(fx.resnetGraph, 0.5, ctx);
    const plain = await pruneChannels(fx.resnetGraph, 0.5, context('magnitude', 'l1', 0, [], false));
    // Streams stay whole (block inputs, outputs, shortcuts): only conv1 → conv2 inside each block shrinks.
    expect([...rebuilt.removal.outputs.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/blocks/blocks.${i}/conv1/Conv`));
    // Re-fitted weights scattered back into the original shapes give the same outputs.
    await expectSameAsReference(rebuilt, maskedReference(fx.resnetGraph, rebuilt.removal, rebuilt.graph));
    expect(rebuilt.refitted).toHaveLength(6);
    expect(progress).toContain('reconstruct 6/6');
    console.log(`resnet channels 0.5 (streams whole) L1 + reconstruct on 500 images: MACs removed ${(100 * (1 - macsOf(rebuilt.graph) / macsOf(fx.resnetGraph))).toFixed(1)}%`);
    const engines = [rebuilt.graph, plain].map((g) => Engine.fromGraph(g, { threads: 1 }));
    try {
      const base = testAccuracy(fx.resnet);
      const [withReconstruction, l1Only] = engines.map(testAccuracy);
      console.log(`top-1: base ${base}, reconstruct ${withReconstruction}, L1 only ${l1Only}`);
      // Recorded in the README table (scripts/prune-channels-table.js).
      expect(base).toBeCloseTo(92.0, 1);
      expect(1 - macsOf(rebuilt.graph) / macsOf(fx.resnetGraph)).toBeGreaterThanOrEqual(0.3);
      expect(base - withReconstruction).toBeLessThanOrEqual(2);
      expect(l1Only).toBeLessThan(withReconstruction);
    } finally {
      for (const e of engines) e.dispose();
    }
  }, 120000);

  test('ThiNet with residual streams pruned: one mask per stream, re-fitted model equals its masked reference', async () => {
    const rebuilt = await pruneChannelsDetailed(fx.mobilenetGraph, 0.25, context('reconstruct', 'thinet', 64));
    const stream = rebuilt.analysis.groups.get(rebuilt.analysis.layouts.get('/blocks/blocks.2/Add_output_0')![0].group)!;
    expect(stream.residual).toBe(true);
    expect(rebuilt.keep.get(stream.id)).toHaveLength(20);
    await expectSameAsReference(rebuilt, maskedReference(fx.mobilenetGraph, rebuilt.removal, rebuilt.graph));
  }, 60000);

  test('Concat, Flatten→Gemm columns, Reshape, unfused BN, PRelu and MatMul are cut consistently', async () => {
    const b = new GraphBuilder(17);
    const x = b.input('input', ['batch', 1, 28, 28]);
    const a = b.node('Relu', [b.conv(x, 1, 8, 3, { pads: [1, 1, 1, 1], strides: [2, 2] })]);
    const c = b.batchNorm(b.conv(x, 1, 12, 3, { pads: [1, 1, 1, 1], strides: [2, 2] }), 12);
    const slope = b.init('slope', [12, 1, 1], randomFloats(12, 7, 0.1, 0.3));
    const cat = b.node('Concat', [a, b.node('PRelu', [c, slope])], { axis: 1 });
    const dw = b.node('Clip', [b.conv(cat, 20, 20, 3, { pads: [1, 1, 1, 1], group: 20 }), b.scalar(0), b.scalar(6)]);
    const pooled = b.node('MaxPool', [dw], { kernel_shape: [2, 2], strides: [2, 2] }); // [N, 20, 7, 7]
    const shape = b.init('shape', [2], [0n, 980n], 'int64');
    const flat = b.node('Reshape', [pooled, shape]);
    const hidden = b.node('Relu', [b.node('Gemm', [flat, b.init('fc1', [16, 980], randomFloats(16 * 980, 9, -0.05, 0.05)), b.init('fc1b', [16])], { transB: 1 })]);
    b.node('MatMul', [hidden, b.init('fc2', [16, 10])], {}, ['logits']);
    b.output('logits', ['batch', 10]);
    const graph = b.build();
    const result = await pruneChannelsDetailed(graph, 0.5, context('magnitude', 'l1'));
    const shapes = [...result.graph.initializers.values()].map((t) => t.dims.join('x'));
    // 8 → 4 and 12 → 8 channels (depthwise 20 → 12), 980 → 12*49 columns, 16 → 8 hidden units.
    expect(shapes).toEqual(expect.arrayContaining(['4x1x3x3', '8x1x3x3', '12x1x3x3', '8x588', '8x10', '8x1x1']));
    await expectSameAsReference(result, maskedReference(graph, result.removal));
  });

  test('engine.prune({ pattern: { channels } }) runs the same pruning and keeps the original engine', async () => {
    const pruned = await fx.resnet.prune({ pattern: { channels: 0.375 }, method: 'magnitude', ranking: 'l1' });
    try {
      const direct = await pruneChannels(fx.resnetGraph, 0.375, context('magnitude', 'l1', 0, [], false));
      expect(pruned.summary().totals.macs).toBe(macsOf(direct));
      expect(fx.resnet.summary().totals.macs).toBe(macsOf(fx.resnetGraph));
      const batch = calibrationBatch(50, 4);
      const feeds = { input: new Tensor('float32', batch.data, batch.dims) };
      const reference = Engine.fromGraph(direct, { threads: 1 });
      try {
        expectClose('engine.prune vs pruneChannels', pruned.runSync(feeds).logits, reference.runSync(feeds).logits);
      } finally {
        reference.dispose();
      }
    } finally {
      pruned.dispose();
    }
  });

  test('bad ratios and missing samples are refused', async () => {
    await expect(pruneChannels(fx.resnetGraph, 1, context('magnitude', 'l1'))).rejects.toThrow('Expected a channel ratio in [0, 1) for pattern.channels but received 1');
    await expect(pruneChannels(fx.resnetGraph, 0.5, context('magnitude', 'thinet'))).rejects.toThrow('Expected calibration samples for ranking "thinet" but received none');
    await expect(pruneChannels(fx.resnetGraph, 0.5, context('reconstruct', 'l1'))).rejects.toThrow("Expected calibration samples for method 'reconstruct' but received none");
  });
});

describe('least squares and ThiNet pieces', () => {
  test('normal equations recover known weights and bias', () => {
    const eq = new NormalEquations(4, 2);
    const w = [[0.5, -1], [2, 0.25], [-0.75, 1.5], [0.1, -0.2]]; // last row: bias
    let s = 1;
    const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let r = 0; r < 200; r++) {
      const x = [rand(), rand(), rand(), 1];
      eq.add(x, [0, 1].map((o) => x.reduce((acc, v, i) => acc + v * w[i][o], 0)));
    }
    const solution = eq.solve(1e-10);
    for (let i = 0; i < 4; i++) for (let o = 0; o < 2; o++) expect(solution[i * 2 + o]).toBeCloseTo(w[i][o], 6);
  });

  test('ThiNet keeps the channels whose removal changes the sampled outputs most', () => {
    // Channel 2 carries most of the signal; channels 0 and 1 nearly cancel, so once 0 is gone 1 goes next.
    const rows = [0, 1, 2, 3, 4, 5].map((r) => Float64Array.from([r + 1, -1.01 * (r + 1), 10 * (r % 3) - 7]));
    expect(greedyKeep(rows, 3, 2)).toEqual([1, 2]);
    expect(greedyKeep(rows, 3, 1)).toEqual([2]);
  });
});
