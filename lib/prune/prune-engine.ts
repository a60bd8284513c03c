/** PLACEHOLDER until the pruning work lands (helper "prune" replaces this file): engine.prune. */
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';
import type { CalibrationData, ProgressCallback } from '../calibration/calibration-data';

export type PrunePattern = '2:4' | { unstructured: number } | { channels: number } | { blocks: number };

export interface PruneOptions {
  pattern: PrunePattern;
  /** 'magnitude' needs no data; 'reconstruct' re-fits the remaining weights on `calibration`. */
  method?: 'magnitude' | 'reconstruct';
  /** Channel ranking for { channels }: L1 norm or ThiNet's greedy choice. */
  ranking?: 'l1' | 'thinet';
  calibration?: CalibrationData;
  /** Node names to leave dense. */
  exclude?: string[];
  onProgress?: ProgressCallback;
}

export function pruneEngine(engine: Engine, options: PruneOptions): Promise<Engine> {
  void engine;
  void options;
  return Promise.reject(new UnsupportedError('engine.prune is not available in this build yet'));
}
