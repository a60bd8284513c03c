/** The options of engine.compress and their checks (argument errors are TypeError / RangeError in the house style). */
import type { Engine } from '../engine';
import { expected } from '../errors';
import { CalibrationData, checkCalibrationData, checkProgressCallback, ProgressEvent } from '../calibration/calibration-data';
import type { Labels } from '../distill/distill-options';
import { checkStrategies, CompressStrategy } from './compress-strategies';

/** A metric of an engine, higher is better (e.g. top-1 accuracy in %). */
export type Metric = (engine: Engine) => Promise<number> | number;

/** Progress of engine.compress: phase 'strategies' (done of total strategies), and each strategy's own phases with its name. */
export interface CompressProgressEvent extends ProgressEvent {
  strategy?: string;
}

/** Training settings of strategies with `distill: true` (engine.distill's options of the same names). */
export interface CompressDistillation {
  /** Training inputs (default: the calibration feeds, with the original model's soft outputs as the only targets). */
  data?: CalibrationData;
  /** Class of each sample of `data` (adds the cross-entropy term); only with `data`. */
  labels?: Labels;
  /** Last n Conv/Gemm/MatMul layers fine-tuned, or node names (default 1, the classifier). */
  layers?: number | string[];
  /** Passes over the data (default 5). */
  epochs?: number;
}

export interface CompressOptions {
  /** Representative inputs for calibration and pruning reconstruction (also the inputs latency is timed on). */
  calibration: CalibrationData;
  /** The metric on data the tuning may use (mixed precision picks its fp32 layers with it). */
  evaluate: Metric;
  /**
   * The same metric on a held-out split nothing is tuned on; the budget is checked on it (and on `evaluate`).
   * Without it, only `evaluate` decides, and the result says so (heldOut: false).
   */
  holdout?: Metric;
  /** Largest allowed drop of the metric from the original model (in the metric's units, e.g. points of top-1). */
  maxDrop: number;
  /** What "best" means among strategies within budget (default 'latency'). */
  objective?: 'latency' | 'size';
  /** Strategies to try (default DEFAULT_STRATEGIES). */
  strategies?: CompressStrategy[];
  /** Threads of every engine made and timed (default: this engine's). */
  threads?: number;
  /** Timed batch-1 runs per engine, interleaved across engines in a rotating order (default 200). */
  latencyRuns?: number;
  /** Data and settings of strategies with `distill: true` (default: the calibration feeds, unlabeled, 1 layer, 5 epochs). */
  distillation?: CompressDistillation;
  onProgress?: (event: CompressProgressEvent) => void;
}

export interface CheckedCompressOptions {
  calibration: CalibrationData;
  evaluate: Metric;
  holdout?: Metric;
  maxDrop: number;
  objective: 'latency' | 'size';
  strategies: CompressStrategy[];
  threads?: number;
  latencyRuns: number;
  distillation: CompressDistillation;
  onProgress?: (event: CompressProgressEvent) => void;
}

const KEYS = new Set(['calibration', 'evaluate', 'holdout', 'maxDrop', 'objective', 'strategies', 'threads', 'latencyRuns', 'distillation', 'onProgress']);
const DISTILL_KEYS = new Set(['data', 'labels', 'layers', 'epochs']);

/** Shape checks only; engine.distill checks the values when a distilled strategy runs. */
function checkDistillation(value: unknown): CompressDistillation {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(expected('an object { data, labels, layers, epochs }', 'options.distillation', value));
  const d = value as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!DISTILL_KEYS.has(k)) throw new TypeError(expected(`one of ${[...DISTILL_KEYS].join(', ')}`, 'a key of options.distillation', k));
  if (d.labels !== undefined && d.data === undefined) throw new TypeError(expected('data with its labels', 'options.distillation.data', d.data));
  return { ...d, ...(d.data !== undefined ? { data: checkCalibrationData(d.data, 'options.distillation.data') } : {}) } as CompressDistillation;
}

/** @throws TypeError / RangeError for a missing or bad option, naming it. */
export function checkCompressOptions(options: unknown): CheckedCompressOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(expected('an options object', 'options', options));
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw new TypeError(expected(`one of ${[...KEYS].join(', ')}`, 'an option name', k));
  if (typeof o.evaluate !== 'function') throw new TypeError(expected('a function (engine) => metric', 'options.evaluate', o.evaluate));
  if (o.holdout !== undefined && typeof o.holdout !== 'function') throw new TypeError(expected('a function (engine) => metric', 'options.holdout', o.holdout));
  if (typeof o.maxDrop !== 'number' || !Number.isFinite(o.maxDrop)) throw new TypeError(expected('a finite number', 'options.maxDrop', o.maxDrop));
  if (o.maxDrop < 0) throw new RangeError(expected('a number >= 0', 'options.maxDrop', o.maxDrop));
  const objective = o.objective ?? 'latency';
  if (objective !== 'latency' && objective !== 'size') throw new TypeError(expected("'latency' or 'size'", 'options.objective', o.objective));
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || (o.threads as number) < 1)) throw new RangeError(expected('an integer >= 1', 'options.threads', o.threads));
  const latencyRuns = o.latencyRuns ?? 200;
  if (!Number.isInteger(latencyRuns) || (latencyRuns as number) < 1) throw new RangeError(expected('an integer >= 1', 'options.latencyRuns', o.latencyRuns));
  return {
    calibration: checkCalibrationData(o.calibration),
    evaluate: o.evaluate as Metric,
    holdout: o.holdout as Metric | undefined,
    maxDrop: o.maxDrop,
    objective,
    strategies: checkStrategies(o.strategies),
    threads: o.threads as number | undefined,
    latencyRuns: latencyRuns as number,
    distillation: checkDistillation(o.distillation),
    onProgress: checkProgressCallback(o.onProgress) as CheckedCompressOptions['onProgress'],
  };
}
