/** Channel pruning: finds the channel groups, ranks channels (L1 or ThiNet), cuts them out and optionally re-fits the consumers by least squares. */
import { expected } from '../errors';
import type { Graph } from '../ir/graph';
import { ChannelAnalysis, analyzeChannels } from './channel-groups';
import { keptChannelCount, l1Scores, thinetKeep, topChannels } from './channel-ranking';
import { ChannelRemoval, removeChannels } from './graph-surgery';
import { findResidualBlocks } from './graph-surgery-blocks';
import { refitLayers } from './least-squares-refit';
import type { StructuredPruneContext } from './structured-types';

export interface ChannelPruneResult {
  graph: Graph;
  analysis: ChannelAnalysis;
  /** Group id → kept channels (ascending), for every group that lost channels. */
  keep: Map<number, number[]>;
  removal: ChannelRemoval;
  /** Layers whose weights were re-fitted (method 'reconstruct'). */
  refitted: string[];
}

/**
 * As pruneChannels, with what was removed: every prunable group (see channel-groups.ts) keeps
 * keptChannelCount(size, ratio, ctx.channelAlign) channels — the same ratio everywhere, rounded to multiples of the
 * alignment (4 by default). Residual streams stay whole unless ctx.pruneResidualStreams.
 */
export async function pruneChannelsDetailed(graph: Graph, ratio: number, ctx: StructuredPruneContext): Promise<ChannelPruneResult> {
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio < 1)) throw new RangeError(expected('a channel ratio in [0, 1)', 'pattern.channels', ratio));
  const analysis = analyzeChannels(graph, ctx.exclude);
  // Residual streams: channels summed by residual Adds, and the channels entering a residual block (its shortcut input).
  const streams = new Set<number>();
  if (!ctx.pruneResidualStreams) {
    for (const group of analysis.groups.values()) if (group.residual) streams.add(group.id);
    for (const block of findResidualBlocks(graph, analysis.shapes)) for (const s of analysis.layouts.get(block.entry) ?? []) streams.add(s.group);
  }
  const targets = new Map<number, number>();
  for (const group of analysis.groups.values()) {
    if (group.fixed || streams.has(group.id)) continue;
    const count = keptChannelCount(group.size, ratio, ctx.channelAlign ?? 4);
    if (count < group.size) targets.set(group.id, count);
  }
  ctx.onProgress?.({ phase: 'rank channels', done: 0, total: targets.size });
  let keep: Map<number, number[]>;
  if (ctx.ranking === 'thinet') {
    keep = await thinetKeep(graph, analysis, targets, ctx.samples, ctx.engineOptions);
  } else {
    keep = new Map([...targets].map(([id, count]) => [id, topChannels(l1Scores(graph, analysis.groups.get(id)!), count)]));
  }
  ctx.onProgress?.({ phase: 'rank channels', done: targets.size, total: targets.size });
  const { graph: pruned, removal } = removeChannels(graph, analysis, keep);
  if (ctx.method !== 'reconstruct' || targets.size === 0) return { graph: pruned, analysis, keep, removal, refitted: [] };
  if (ctx.samples.length === 0) throw new RangeError("Expected calibration samples for method 'reconstruct' but received none");
  const refitted = analysis.consumers.filter((c) => removal.inputs.has(c.node.name)).map((c) => c.node.name);
  const refit = await refitLayers(graph, pruned, refitted, removal.outputs, {
    samples: ctx.samples,
    engineOptions: ctx.engineOptions,
    onProgress: ctx.onProgress,
  });
  return { graph: refit, analysis, keep, removal, refitted };
}

/**
 * Removes `ratio` of the output channels of prunable convs (and the matching inputs of their consumers) from a graph of
 * standard ONNX ops with BatchNorm already folded; returns a new, smaller dense graph.
 * Groups tied to a model input or output, to an excluded layer's outputs or to an op that mixes channels keep all
 * channels; an excluded layer's inputs still follow what its producers keep. Residual streams (channels summed by
 * residual Adds) stay whole too unless ctx.pruneResidualStreams (then one shared mask per stream).
 * @throws RangeError for a ratio outside [0, 1), or missing samples where ThiNet or reconstruction need them.
 */
export async function pruneChannels(graph: Graph, ratio: number, ctx: StructuredPruneContext): Promise<Graph> {
  return (await pruneChannelsDetailed(graph, ratio, ctx)).graph;
}
