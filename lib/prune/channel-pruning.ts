/** PLACEHOLDER until channel pruning lands (helper "channels" replaces this file). */
import { UnsupportedError } from '../errors';
import type { Graph } from '../ir/graph';
import type { StructuredPruneContext } from './structured-types';

/**
 * Removes `ratio` of the output channels of prunable convs (and the matching inputs of their consumers) from a graph of
 * standard ONNX ops with BatchNorm already folded; returns a new, smaller dense graph.
 */
export function pruneChannels(graph: Graph, ratio: number, ctx: StructuredPruneContext): Promise<Graph> {
  void graph;
  void ratio;
  void ctx;
  return Promise.reject(new UnsupportedError('channel pruning is not available in this build yet'));
}
