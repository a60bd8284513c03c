/** PLACEHOLDER until the quantization work lands (helper "quant" replaces this file): engine.sensitivity. */
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';
import type { CalibrationData, ProgressCallback } from '../calibration/calibration-data';

export interface SensitivityOptions {
  evaluate?: (engine: Engine) => Promise<number> | number;
  onProgress?: ProgressCallback;
}

/** One layer quantized alone: its output error and, with `evaluate`, the metric drop. */
export interface LayerSensitivity {
  node: string;
  opType: string;
  /** Signal-to-quantization-noise ratio of the model outputs in dB (higher = less sensitive). */
  sqnr: number;
  drop?: number;
}

export function analyzeSensitivity(engine: Engine, calibration: CalibrationData, options?: SensitivityOptions): Promise<LayerSensitivity[]> {
  void engine;
  void calibration;
  void options;
  return Promise.reject(new UnsupportedError('engine.sensitivity is not available in this build yet'));
}
