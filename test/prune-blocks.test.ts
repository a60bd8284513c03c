/**
 * Block pruning (lib/prune/block-pruning.ts): residual blocks of the fixtures, the pruned model against the original
 * with the block's output conv zeroed (Add(shortcut, 0) = shortcut, run by onnxruntime-node), and the choice of the
 * block whose removal changes the outputs least, measured here independently.
 * @jest-environment ./test/support/ort-environment.js
 */
import { Engine, Tensor } from '../lib';
import type { Graph } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { pruneBlocks, pruneBlocksDetailed } from '../lib/prune/block-pruning';
import { analyzeChannels } from '../lib/prune/channel-groups';
import { findResidualBlocks } from '../lib/prune/graph-surgery-blocks';
import type { StructuredPruneContext } from '../lib/prune/structured-types';
import { calibrationBatch, calibrationSample, useFixtures, maskedReference } from './support/channel-pruning-reference';
import { expectClose, ortEval } from './support/ort';

const SAMPLES = 32;

function context(method: 'magnitude' | 'reconstruct', samples = SAMPLES): StructuredPruneContext {
  return { method, ranking: 'l1', samples: Array.from({ length: samples }, (_, i) => calibrationSample(i)), exclude: new Set(), engineOptions: { threads: 1 } };
}

/** The conv producing the body's input of a residual Add (the other input is the shortcut). */
function bodyOutputConv(g: Graph, addName: string, shortcut: string): string {
  const add = g.nodes.find((n) => n.name === addName)!;
  const bodyOut = add.inputs.find((i) => i !== shortcut)!;
  return g.nodes.find((n) => n.outputs.includes(bodyOut))!.name;
}

/** The original graph with a block's output conv zeroed: every output channel's weights and bias removed. */
function blockZeroed(g: Graph, conv: string): Graph {
  return maskedReference(g, { outputs: new Map([[conv, []]]), inputs: new Map() });
}

/** Σ‖a − b‖² / Σ‖b‖². */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    e += (a[i] - b[i]) ** 2;
    norm += b[i] ** 2;
  }
  return e / norm;
}

async function logitsOrt(g: Graph, batch: { dims: number[]; data: Float32Array }): Promise<Float32Array> {
  return (await ortEval(encodeModel(g), { input: { type: 'float32', ...batch } })).logits.data as Float32Array;
}

describe('block pruning', () => {
  const fx = useFixtures();

  test('finds the residual blocks: identity and projection shortcuts, squeeze-excite bodies', () => {
    const blocks = findResidualBlocks(fx.resnetGraph, analyzeChannels(fx.resnetGraph).shapes);
    expect(blocks.map((b) => b.name)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `/blocks/blocks.${i}/Add`));
    expect(blocks[1].shortcut).toBe(blocks[1].entry); // identity
    expect(blocks[0].shortcut).toBe('/blocks/blocks.0/down/down.1/BatchNormalization_output_0'); // projection stays
    expect(blocks[0].body.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'Conv']);
    const mobile = findResidualBlocks(fx.mobilenetGraph, analyzeChannels(fx.mobilenetGraph).shapes);
    expect(mobile.map((b) => b.name)).toEqual(['/blocks/blocks.0/Add', '/blocks/blocks.2/Add', '/blocks/blocks.4/Add']);
    expect(mobile[2].body.filter((n) => n.opType === 'Conv')).toHaveLength(5); // expand, depthwise, SE fc1/fc2, project
  });

  test('removes the block that changes the outputs least, and equals the original with that block zeroed', async () => {
    const result = await pruneBlocksDetailed(fx.resnetGraph, 1, context('magnitude'));
    const blocks = findResidualBlocks(fx.resnetGraph, analyzeChannels(fx.resnetGraph).shapes);
    // Every candidate's error measured here with onnxruntime on the zeroed-block reference, over the same samples.
    const batch = calibrationBatch(0, SAMPLES);
    const reference = await logitsOrt(fx.resnetGraph, batch);
    const errors = new Map<string, number>();
    for (const b of blocks) {
      const out = await logitsOrt(blockZeroed(fx.resnetGraph, bodyOutputConv(fx.resnetGraph, b.name, b.shortcut)), batch);
      errors.set(b.name, relativeError(out, reference));
    }
    const best = [...errors].sort((x, y) => x[1] - y[1])[0];
    expect(result.removed.map((r) => r.name)).toEqual([best[0]]);
    expect(result.removed[0].error).toBeCloseTo(best[1], 4);
    // The pruned dense model (sparq) = original with that block's output conv zeroed (onnxruntime).
    const chosen = blocks.find((b) => b.name === best[0])!;
    const engine = Engine.fromGraph(result.graph, { threads: 1 });
    try {
      const probe = calibrationBatch(200, 8);
      const ours = engine.runSync({ input: new Tensor('float32', probe.data, probe.dims) }).logits;
      const theirs = (await ortEval(encodeModel(blockZeroed(fx.resnetGraph, bodyOutputConv(fx.resnetGraph, chosen.name, chosen.shortcut))), { input: { type: 'float32', ...probe } })).logits;
      expectClose('block removed vs zeroed', ours, theirs);
      expect(engine.summary().layers.length).toBe(fx.resnet.summary().layers.length - chosen.body.filter((n) => n.opType === 'Conv').length);
    } finally {
      engine.dispose();
    }
  });

  test('two blocks greedily; reconstruction re-fits the layers reading the affected streams', async () => {
    const plain = await pruneBlocksDetailed(fx.mobilenetGraph, 2, context('magnitude'));
    expect(plain.removed).toHaveLength(2);
    expect(plain.removed[1].error).toBeGreaterThanOrEqual(0);
    const once = await pruneBlocksDetailed(fx.mobilenetGraph, 1, context('magnitude', 64));
    const rebuilt = await pruneBlocksDetailed(fx.mobilenetGraph, 1, context('reconstruct', 64));
    expect(rebuilt.removed).toEqual(once.removed);
    expect(rebuilt.refitted).toEqual(expect.arrayContaining(['/head/head.0/Conv']));
    // On images the fit did not see, the re-fitted model is closer to the original.
    const held = calibrationBatch(300, 64);
    const feeds = { input: new Tensor('float32', held.data, held.dims) };
    const engines = [fx.mobilenetGraph, once.graph, rebuilt.graph].map((g) => Engine.fromGraph(g, { threads: 1 }));
    try {
      const [original, removed, refit] = engines.map((e) => e.runSync(feeds).logits.data as Float32Array);
      expect(relativeError(refit, original)).toBeLessThan(relativeError(removed, original));
    } finally {
      for (const e of engines) e.dispose();
    }
  });

  test('bad counts and missing samples are refused', async () => {
    await expect(pruneBlocks(fx.resnetGraph, 7, context('magnitude'))).rejects.toThrow('Expected a block count of at most 6 (the residual blocks of this model) for pattern.blocks but received 7');
    await expect(pruneBlocks(fx.resnetGraph, 0, context('magnitude'))).rejects.toThrow('Expected a positive integer block count for pattern.blocks but received 0');
    await expect(pruneBlocks(fx.resnetGraph, 1, context('magnitude', 0))).rejects.toThrow('Expected calibration samples to choose the blocks to remove but received none');
  });
});
