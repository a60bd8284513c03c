/** PLACEHOLDER until block pruning lands (helper "channels" replaces this file). */
import { UnsupportedError } from '../errors';
import type { Graph } from '../ir/graph';
import type { StructuredPruneContext } from './structured-types';

/** Replaces the `count` residual blocks whose removal changes the outputs least (on ctx.samples) by their shortcuts. */
export function pruneBlocks(graph: Graph, count: number, ctx: StructuredPruneContext): Promise<Graph> {
  void graph;
  void count;
  void ctx;
  return Promise.reject(new UnsupportedError('block pruning is not available in this build yet'));
}
