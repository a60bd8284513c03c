/** Block pruning: removes the residual blocks whose removal changes the model outputs least on calibration samples (greedy, one block per round). */
import type { Feeds } from '../calibration/calibration-data';
import { Engine, EngineOptions } from '../engine';
import { expected } from '../errors';
import type { Graph } from '../ir/graph';
import type { Tensor } from '../tensor';
import { analyzeChannels } from './channel-groups';
import { findResidualBlocks, removeBlock } from './graph-surgery-blocks';
import { refitLayers } from './least-squares-refit';
import type { StructuredPruneContext } from './structured-types';

export interface BlockPruneResult {
  graph: Graph;
  /** Names (residual Add nodes) of the removed blocks, in the order chosen, with the relative output error after each removal. */
  removed: { name: string; error: number }[];
  /** Layers re-fitted after the removals (method 'reconstruct'). */
  refitted: string[];
}

async function runAll(g: Graph, samples: readonly Feeds[], options: EngineOptions): Promise<Record<string, Tensor>[]> {
  const engine = Engine.fromGraph(g, options);
  try {
    const out: Record<string, Tensor>[] = [];
    for (const feeds of samples) out.push(await engine.run(feeds));
    return out;
  } finally {
    engine.dispose();
  }
}

/** Σ‖out − ref‖² / Σ‖ref‖² over every float output and sample. */
function relativeError(outputs: Record<string, Tensor>[], reference: Record<string, Tensor>[]): number {
  let err = 0;
  let norm = 0;
  reference.forEach((ref, s) => {
    for (const [name, r] of Object.entries(ref)) {
      if (r.type !== 'float32') continue;
      const a = outputs[s][name].data as Float32Array;
      const b = r.data as Float32Array;
      for (let i = 0; i < b.length; i++) {
        err += (a[i] - b[i]) ** 2;
        norm += b[i] ** 2;
      }
    }
  });
  return norm > 0 ? err / norm : err;
}

/** Shapes for batch 1 of every value of `g`. */
function shapesOf(g: Graph): Map<string, number[]> {
  return analyzeChannels(g).shapes;
}

/** As pruneBlocks, with the blocks chosen and their errors. */
export async function pruneBlocksDetailed(graph: Graph, count: number, ctx: StructuredPruneContext): Promise<BlockPruneResult> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(expected('a positive integer block count', 'pattern.blocks', count));
  if (ctx.samples.length === 0) throw new RangeError('Expected calibration samples to choose the blocks to remove but received none');
  const available = findResidualBlocks(graph, shapesOf(graph)).length;
  if (count > available) throw new RangeError(expected(`a block count of at most ${available} (the residual blocks of this model)`, 'pattern.blocks', count));
  const reference = await runAll(graph, ctx.samples, ctx.engineOptions);
  let current = graph;
  const removed: { name: string; error: number }[] = [];
  // Round r measures the blocks left after r removals.
  const total = Array.from({ length: count }, (_, r) => available - r).reduce((a, b) => a + b, 0);
  let measured = 0;
  for (let round = 0; round < count; round++) {
    const candidates = findResidualBlocks(current, shapesOf(current));
    let best: { graph: Graph; name: string; error: number } | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const g = removeBlock(current, candidates[i]);
      const error = relativeError(await runAll(g, ctx.samples, ctx.engineOptions), reference);
      if (!best || error < best.error) best = { graph: g, name: candidates[i].name, error };
      ctx.onProgress?.({ phase: 'measure blocks', done: Math.min(++measured, total), total });
    }
    if (!best) throw new RangeError(expected(`a block count of at most ${round}`, 'pattern.blocks', count));
    current = best.graph;
    removed.push({ name: best.name, error: best.error });
  }
  if (ctx.method !== 'reconstruct') return { graph: current, removed, refitted: [] };
  // Re-fit the layers reading the residual streams the removed blocks fed (their inputs changed the most).
  const analysis = analyzeChannels(current);
  const streams = new Set<number>();
  for (const { name } of removed) {
    // The shortcut input is still computed in `current`; the body output is gone and has no layout.
    const add = graph.nodes.find((n) => n.name === name)!;
    for (const input of add.inputs) for (const s of analysis.layouts.get(input) ?? []) streams.add(s.group);
  }
  const refitted = analysis.consumers.filter((c) => c.layout.some((s) => streams.has(s.group))).map((c) => c.node.name);
  const refit = await refitLayers(graph, current, refitted, new Map(), { samples: ctx.samples, engineOptions: ctx.engineOptions, onProgress: ctx.onProgress });
  return { graph: refit, removed, refitted };
}

/**
 * Replaces the `count` residual blocks whose removal changes the outputs least (on ctx.samples) by their shortcuts:
 * each round measures every remaining block's removal on top of the blocks already removed and keeps the best.
 * With method 'reconstruct' the layers reading the affected residual streams are then re-fitted by least squares.
 * @throws RangeError for a count that is not a positive integer or exceeds the model's residual blocks, or without samples.
 */
export async function pruneBlocks(graph: Graph, count: number, ctx: StructuredPruneContext): Promise<Graph> {
  return (await pruneBlocksDetailed(graph, count, ctx)).graph;
}
