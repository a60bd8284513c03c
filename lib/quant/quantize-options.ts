/** Checks engine.quantize / engine.sensitivity options before any work starts (house error style). */
import type { Engine } from '../engine';
import { expected } from '../errors';
import type { Graph } from '../ir/graph';
import { CalibrationData, ProgressCallback, checkCalibrationData, checkProgressCallback } from '../calibration/calibration-data';
import { CALIBRATION_METHODS, CalibrationMethod } from './calibration-methods';
import type { WeightGranularity } from './weight-granularity';

/** The calibration method used when none is given. */
export const DEFAULT_METHOD: CalibrationMethod = 'percentile';

export type EvaluateFunction = (engine: Engine) => Promise<number> | number;

export interface CheckedQuantizeOptions {
  calibration: CalibrationData;
  method: CalibrationMethod;
  perChannel: WeightGranularity;
  exclude: string[];
  biasCorrection: boolean;
  equalize: boolean;
  movingAverage?: number;
  percentile?: number;
  maxDrop?: number;
  evaluate?: EvaluateFunction;
  onProgress?: ProgressCallback;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalBoolean(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new TypeError(expected('a boolean', `options.${key}`, v));
  return v;
}

function optionalNumber(o: Record<string, unknown>, key: string, what: string, ok: (v: number) => boolean): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new TypeError(expected(what, `options.${key}`, v));
  if (!ok(v)) throw new RangeError(expected(what, `options.${key}`, v));
  return v;
}

/** options.perChannel: true, false or 'auto' (the default: per channel unless per-tensor is as good and saves much). */
export function checkGranularity(o: Record<string, unknown>): WeightGranularity {
  const v = o.perChannel;
  if (v === undefined) return 'auto';
  if (typeof v !== 'boolean' && v !== 'auto') throw new TypeError(expected('true, false or "auto"', 'options.perChannel', v));
  return v;
}

/** @throws TypeError / RangeError naming the bad option. */
export function checkEvaluate(o: Record<string, unknown>): EvaluateFunction | undefined {
  const v = o.evaluate;
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw new TypeError(expected('a function (engine) => metric', 'options.evaluate', v));
  return v as EvaluateFunction;
}

/** @throws TypeError / RangeError naming the bad option. */
export function checkQuantizeOptions(options: unknown, source: Graph): CheckedQuantizeOptions {
  if (!isObject(options)) throw new TypeError(expected('an options object with a calibration iterable', 'options', options));
  const calibration = checkCalibrationData(options.calibration);
  const method = options.method ?? DEFAULT_METHOD;
  if (typeof method !== 'string') throw new TypeError(expected(`one of ${CALIBRATION_METHODS.join(', ')}`, 'options.method', method));
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) {
    throw new RangeError(expected(`one of ${CALIBRATION_METHODS.join(', ')}`, 'options.method', method));
  }
  const perChannel = checkGranularity(options);
  const biasCorrection = optionalBoolean(options, 'biasCorrection', true);
  const equalize = optionalBoolean(options, 'equalize', false);
  const exclude = checkExclude(options.exclude, source);
  const movingAverage = optionalNumber(options, 'movingAverage', 'a number in (0, 1]', (v) => v > 0 && v <= 1);
  const percentile = optionalNumber(options, 'percentile', 'a number in (50, 100]', (v) => v > 50 && v <= 100);
  const maxDrop = optionalNumber(options, 'maxDrop', 'a finite number >= 0', (v) => Number.isFinite(v) && v >= 0);
  const evaluate = checkEvaluate(options);
  if (maxDrop !== undefined && !evaluate) {
    throw new TypeError(expected('a function (engine) => metric, which options.maxDrop needs', 'options.evaluate', options.evaluate));
  }
  const onProgress = checkProgressCallback(options.onProgress);
  return { calibration, method: method as CalibrationMethod, perChannel, exclude, biasCorrection, equalize, movingAverage, percentile, maxDrop, evaluate, onProgress };
}

/** Each entry must name a node or an op type of the model. */
function checkExclude(v: unknown, source: Graph): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) throw new TypeError(expected('an array of node names or op types', 'options.exclude', v));
  const known = new Set<string>();
  for (const n of source.nodes) {
    known.add(n.name);
    known.add(n.opType);
  }
  v.forEach((e: string, i) => {
    if (!known.has(e)) throw new RangeError(expected('the name or op type of a node of the model', `options.exclude[${i}]`, e));
  });
  return v.slice();
}
