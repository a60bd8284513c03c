/** PLACEHOLDER until the quantization work lands (helper "quant" replaces this file): engine.quantize. */
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';
import type { CalibrationData, ProgressCallback } from '../calibration/calibration-data';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

export interface QuantizeOptions {
  /** Representative inputs: an Iterable or AsyncIterable of feeds. */
  calibration: CalibrationData;
  /** How activation ranges are chosen from the calibration data. */
  method?: CalibrationMethod;
  /** Weights per output channel (default) or per tensor. */
  perChannel?: boolean;
  /** Node names (or op types) to keep in fp32. */
  exclude?: string[];
  /** Accuracy budget for mixed precision: the largest allowed drop of `evaluate`'s metric. */
  maxDrop?: number;
  /** Returns a metric (higher is better, e.g. top-1 accuracy in %) of an engine. */
  evaluate?: (engine: Engine) => Promise<number> | number;
  onProgress?: ProgressCallback;
}

export function quantizeEngine(engine: Engine, options: QuantizeOptions): Promise<Engine> {
  void engine;
  void options;
  return Promise.reject(new UnsupportedError('engine.quantize is not available in this build yet'));
}
