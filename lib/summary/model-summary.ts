/** PLACEHOLDER until the pruning work lands (helper "channels" replaces this file): engine.summary. */
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';

export interface LayerSummary {
  name: string;
  opType: string;
  parameters: number;
  macs: number;
  /** 'dense', '2:4', 'unstructured 50%' ... */
  sparsity: string;
  kernel: string;
}

export interface ModelSummary {
  layers: LayerSummary[];
  totals: { parameters: number; macs: number; weightBytes: number };
}

export function summarizeEngine(engine: Engine): ModelSummary {
  void engine;
  throw new UnsupportedError('engine.summary is not available in this build yet');
}
