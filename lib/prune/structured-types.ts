/** What the structured pruners (channels, blocks) receive from engine.prune: the contract between prune-engine.ts and them. */
import type { Feeds, ProgressCallback } from '../calibration/calibration-data';
import type { EngineOptions } from '../engine';

export interface StructuredPruneContext {
  /** 'magnitude': rank and remove only; 'reconstruct': also re-fit consumers by least squares on `samples`. */
  method: 'magnitude' | 'reconstruct';
  ranking: 'l1' | 'thinet';
  /** Calibration samples, already checked against the model inputs (empty for magnitude without data). */
  samples: Feeds[];
  /** Node names left untouched. */
  exclude: ReadonlySet<string>;
  onProgress?: ProgressCallback;
  /** Options for any engine the pruner builds to run the model (TensorProbe). */
  engineOptions: EngineOptions;
  /**
   * Channel pruning: also prune residual streams (channels summed by residual Adds, one shared mask per stream).
   * Default false: streams stay whole, as ThiNet does for ResNets, since their error reaches every later block.
   */
  pruneResidualStreams?: boolean;
  /** Channel pruning: kept channel counts are multiples of this in layers at least twice as wide (default 4). */
  channelAlign?: number;
}
