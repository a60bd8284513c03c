/** engine.distill options and result, and their checking before any work starts (house error style). */
import { Engine } from '../engine';
import { expected } from '../errors';
import { CalibrationData, ProgressCallback, checkCalibrationData, checkProgressCallback } from '../calibration/calibration-data';

/** Class indices, one per sample row of the data in order. */
export type Labels = ArrayLike<number> | BigInt64Array | readonly bigint[];

export interface DistillOptions {
  /** The model to learn from (e.g. the fp32 original); same inputs as the student, an output of the same size. */
  teacher: Engine;
  /** Training inputs (an Iterable or AsyncIterable of feeds); never the data accuracy is measured on. */
  data: CalibrationData;
  /** Softmax temperature T of the soft targets (default 4). */
  temperature?: number;
  /** Weight of the KD term against the labels' cross-entropy: alpha·KD + (1 − alpha)·CE (default 0.5; ignored without labels). */
  alpha?: number;
  /** Passes over the data (default 5). */
  epochs?: number;
  /**
   * What is fine-tuned: n = the last n Conv/Gemm/MatMul layers (default 1, the classifier), or node names. Gemm and
   * MatMul learn their weight and bias, Conv a per-output-channel scale and shift folded into its weight and bias,
   * BatchNormalization its scale and bias.
   */
  layers?: number | string[];
  /** The class of each sample row of `data`, in order: adds the cross-entropy term. */
  labels?: Labels;
  /**
   * Keep the better of the given student and the distilled one: a share in (0, 1) of `data` held out (top-1 against
   * `labels`, else agreement with the teacher's top-1), or separate data with optional labels.
   */
  validation?: number | { data: CalibrationData; labels?: Labels };
  /** Keep the better by this metric (higher is better), e.g. top-1 on a validation set. */
  evaluate?: (engine: Engine) => Promise<number> | number;
  /** 'adam' (default) or 'sgd' (with momentum). */
  optimizer?: 'adam' | 'sgd';
  /** Step size (default 1e-3 for Adam, 1e-2 for SGD). */
  learningRate?: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  /** Samples per optimizer step (default 32). */
  batchSize?: number;
  /** Seed of the shuffling and of the validation split (default 0). */
  seed?: number;
  /** Progress: 'features' per sample, 'distill' per epoch, 'validate' per engine compared. */
  onProgress?: ProgressCallback;
}

export interface DistillResult {
  /** The engine to use: the distilled one, or a copy of the student when that validated better. */
  engine: Engine;
  /** Mean training loss of each epoch. */
  lossCurve: number[];
  /** Mean loss over the training samples with the student's parameters and with the distilled ones. */
  trainingLoss: { before: number; after: number };
  /** Which model `engine` is. */
  kept: 'distilled' | 'student';
  /** The validation metric of both, when validation or evaluate was given. */
  metric?: { student: number; distilled: number };
  /** The fine-tuned node names. */
  layers: string[];
  /** Training samples (rows) used. */
  samples: number;
  seconds: number;
}

export interface CheckedDistillOptions {
  teacher: Engine;
  data: CalibrationData;
  temperature: number;
  alpha: number;
  epochs: number;
  layers: number | string[];
  labels?: Labels;
  holdout?: number;
  validation?: { data: CalibrationData; labels?: Labels };
  evaluate?: (engine: Engine) => Promise<number> | number;
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  momentum: number;
  batchSize: number;
  seed: number;
  onProgress?: ProgressCallback;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function numberOption(o: Record<string, unknown>, key: string, what: string, ok: (v: number) => boolean, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(expected(what, `options.${key}`, v));
  if (!ok(v)) throw new RangeError(expected(what, `options.${key}`, v));
  return v;
}

function checkLabels(v: unknown, name: string): Labels | undefined {
  if (v === undefined) return undefined;
  const arrayLike = Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
  if (!arrayLike) throw new TypeError(expected('an array or typed array of class indices', name, v));
  const list = v as ArrayLike<number | bigint>;
  for (let i = 0; i < list.length; i++) {
    const c = Number(list[i]);
    if (!Number.isInteger(c) || c < 0) throw new RangeError(`${expected('class indices (integers >= 0)', name, list[i])} at index ${i}`);
  }
  return v as Labels;
}

function checkLayers(v: unknown): number | string[] {
  const what = 'a positive integer or an array of node names';
  if (v === undefined) return 1;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(expected(what, 'options.layers', v));
    return v;
  }
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) throw new TypeError(expected(what, 'options.layers', v));
  if (v.length === 0) throw new RangeError(expected(what, 'options.layers', v));
  return v.slice() as string[];
}

function checkChoice<T extends string>(v: unknown, choices: readonly T[], name: string, fallback: T): T {
  if (v === undefined) return fallback;
  const what = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  if (typeof v !== 'string') throw new TypeError(expected(what, name, v));
  if (!choices.includes(v as T)) throw new RangeError(expected(what, name, v));
  return v as T;
}

/** @throws TypeError / RangeError naming the bad option. */
export function checkDistillOptions(options: unknown): CheckedDistillOptions {
  if (!isObject(options)) throw new TypeError(expected('an options object with teacher and data', 'options', options));
  if (!(options.teacher instanceof Engine)) throw new TypeError(expected('an Engine', 'options.teacher', options.teacher));
  const data = checkCalibrationData(options.data, 'options.data');
  const temperature = numberOption(options, 'temperature', 'a finite number > 0', (v) => Number.isFinite(v) && v > 0, 4);
  const alpha = numberOption(options, 'alpha', 'a number in [0, 1]', (v) => v >= 0 && v <= 1, 0.5);
  const epochs = numberOption(options, 'epochs', 'a positive integer', (v) => Number.isInteger(v) && v >= 1, 5);
  const layers = checkLayers(options.layers);
  const labels = checkLabels(options.labels, 'options.labels');
  const optimizer = checkChoice(options.optimizer, ['adam', 'sgd'] as const, 'options.optimizer', 'adam');
  const learningRate = numberOption(options, 'learningRate', 'a finite number > 0', (v) => Number.isFinite(v) && v > 0, optimizer === 'adam' ? 1e-3 : 1e-2);
  const momentum = numberOption(options, 'momentum', 'a number in [0, 1)', (v) => v >= 0 && v < 1, 0.9);
  const batchSize = numberOption(options, 'batchSize', 'a positive integer', (v) => Number.isInteger(v) && v >= 1, 32);
  const seed = numberOption(options, 'seed', 'an integer', (v) => Number.isInteger(v), 0);
  const onProgress = checkProgressCallback(options.onProgress);
  const evaluate = options.evaluate;
  if (evaluate !== undefined && typeof evaluate !== 'function') throw new TypeError(expected('a function (engine) => metric', 'options.evaluate', evaluate));
  const checked: CheckedDistillOptions = {
    teacher: options.teacher,
    data,
    temperature,
    alpha,
    epochs,
    layers,
    labels,
    optimizer,
    learningRate,
    momentum,
    batchSize,
    seed,
    onProgress,
    evaluate: evaluate as CheckedDistillOptions['evaluate'],
  };
  const v = options.validation;
  if (typeof v === 'number') {
    if (!(v > 0 && v < 1)) throw new RangeError(expected('a share in (0, 1) or { data, labels? }', 'options.validation', v));
    checked.holdout = v;
  } else if (v !== undefined) {
    if (!isObject(v)) throw new TypeError(expected('a share in (0, 1) or { data, labels? }', 'options.validation', v));
    checked.validation = { data: checkCalibrationData(v.data, 'options.validation.data'), labels: checkLabels(v.labels, 'options.validation.labels') };
  }
  return checked;
}
