/** engine.quantize: calibrate, build the QDQ graph (optionally keeping the most sensitive layers fp32 to meet an accuracy budget) and return a new engine. */
import { Engine } from '../engine';
import type { CalibrationData, Feeds, ProgressCallback } from '../calibration/calibration-data';
import { knownLength } from './calibrate';
import type { CalibrationMethod } from './calibration-methods';
import { chooseFloatLayers } from './mixed-precision';
import { buildQdqGraph, calibrateModel } from './quantize-model';
import { checkQuantizeOptions } from './quantize-options';
import { recording } from './sensitivity';

export type { CalibrationMethod };

export interface QuantizeOptions {
  /** Representative inputs: an Iterable or AsyncIterable of feeds (a few hundred are plenty). */
  calibration: CalibrationData;
  /** How activation ranges are chosen from the calibration data (default 'percentile'). */
  method?: CalibrationMethod;
  /**
   * Weight scales per output channel (true), per tensor (false) or per layer ('auto', the default): per tensor only
   * where per-channel scales cost >= 25% of the layer's int8 bytes (<= 16 weights a channel, e.g. 3x3 depthwise) and
   * per-tensor weights keep >= 30 dB SQNR in every channel.
   */
  perChannel?: boolean | 'auto';
  /** Node names (or op types) to keep in fp32. */
  exclude?: string[];
  /** Cross-layer equalization (Conv → Relu → Conv pairs rescaled so both share per-channel ranges) before calibration; default false. */
  equalize?: boolean;
  /** Correct the per-channel mean shift weight rounding causes, measured on the calibration data (default true). */
  biasCorrection?: boolean;
  /** minmax only: follow per-sample extremes with this moving-average constant (0 < c <= 1) instead of the global min/max. */
  movingAverage?: number;
  /** percentile only: the percentile of the value distribution kept (default 99.99). */
  percentile?: number;
  /** Accuracy budget for mixed precision: the largest allowed drop of `evaluate`'s metric. Needs `evaluate`. */
  maxDrop?: number;
  /** Returns a metric (higher is better, e.g. top-1 accuracy in %) of an engine. */
  evaluate?: (engine: Engine) => Promise<number> | number;
  /** Progress: phase 'calibrate' per sample, then 'sensitivity' / 'mixed-precision' per layer with maxDrop. */
  onProgress?: ProgressCallback;
}

/**
 * @throws (rejects) TypeError / RangeError for bad options, the errors of readCalibration for bad calibration data,
 *   UnsupportedError for models before opset 13.
 */
export async function quantizeEngine(engine: Engine, options: QuantizeOptions): Promise<Engine> {
  const source = engine.sourceGraph();
  const o = checkQuantizeOptions(options, source);
  const samples: Feeds[] = [];
  const data = o.maxDrop !== undefined ? recording(o.calibration, samples) : o.calibration;
  const model = await calibrateModel(source, engine.inputs, engine.engineOptions(), data, {
    method: o.method,
    exclude: o.exclude,
    biasCorrection: o.biasCorrection,
    equalize: o.equalize,
    movingAverage: o.movingAverage,
    percentile: o.percentile,
    onProgress: o.onProgress,
    total: knownLength(o.calibration),
  });
  const settings = { perChannel: o.perChannel, biasCorrection: o.biasCorrection };
  if (o.maxDrop === undefined || !o.evaluate) return Engine.fromGraph(buildQdqGraph(model, settings), engine.engineOptions());
  return chooseFloatLayers({ engine, model, samples, settings, maxDrop: o.maxDrop, evaluate: o.evaluate, onProgress: o.onProgress });
}
