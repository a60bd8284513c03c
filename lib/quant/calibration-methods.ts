/** The four calibration methods by name, each making a fresh observer per tensor. */
import type { ActivationObserver } from './activation-observer';
import { EntropyObserver } from './entropy-observer';
import { MinMaxObserver } from './minmax-observer';
import { MseObserver } from './mse-observer';
import { DEFAULT_PERCENTILE, PercentileObserver } from './percentile-observer';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy' | 'mse';

export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy', 'mse'];

/** Method-specific settings. */
export interface ObserverSettings {
  /** minmax: moving-average constant (0 < c <= 1); absent = plain min/max over all samples. */
  movingAverage?: number;
  /** percentile: the percentile kept (default 99.99). */
  percentile?: number;
}

export function createObserver(method: CalibrationMethod, settings: ObserverSettings = {}): ActivationObserver {
  switch (method) {
    case 'minmax':
      return new MinMaxObserver(settings.movingAverage);
    case 'percentile':
      return new PercentileObserver(settings.percentile ?? DEFAULT_PERCENTILE);
    case 'entropy':
      return new EntropyObserver();
    case 'mse':
      return new MseObserver();
  }
}
