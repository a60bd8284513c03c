/** Early exit: validates `{ exits, confidence }` run options and maps them onto the native plan's exit rule. */
import { expected } from '../errors';
import type { Tensor } from '../tensor';
import type { RunOptions, ValueDescription } from '../validate';

/**
 * Run options that turn on early exit: the run stops at the first of `exits` (output names, in the order the model
 * computes them) whose top softmax probability reaches `confidence` for every row of the batch; the last exit always
 * answers. Ops after the exit that answered never run (the test happens in the native executor).
 */
export interface ExitRunOptions extends RunOptions {
  /** Output names holding class scores (float32, classes on the last axis), earliest first; the last one is the fallback. */
  exits: string[];
  /** Threshold in [0, 1] on the top softmax probability: 0 always stops at the first exit, 1 only on certainty. */
  confidence: number;
}

/** What an early-exit run returns. */
export interface ExitResult {
  /** Name of the exit that answered. */
  exit: string;
  /** Its index in `options.exits`. */
  exitIndex: number;
  /** False when no exit reached the threshold and the last one answered anyway. */
  confident: boolean;
  /** The outputs that were computed before the run stopped (the answering exit always among them), filtered by `options.outputs`. */
  outputs: Record<string, Tensor>;
}

/** Validated early-exit options: the exit rule (names) and the remaining plain run options. */
export interface ExitRequest {
  exits: string[];
  confidence: number;
  rest: RunOptions | undefined;
}

/** True when `options` asks for early exit (has an `exits` or `confidence` key). */
export function wantsEarlyExit(options: unknown): boolean {
  return typeof options === 'object' && options !== null && ('exits' in options || 'confidence' in options);
}

/** True when `options` has no own keys but `exits` and `confidence`. */
export function hasOnlyExitKeys(options: Record<string, unknown>): boolean {
  const keys = Object.keys(options);
  for (let k = 0; k < keys.length; k++) if (keys[k] !== 'exits' && keys[k] !== 'confidence') return false;
  return true;
}

/**
 * Checks `exits` and `confidence` against the model outputs and splits them off the other run options.
 * @throws TypeError for missing or mistyped fields and unknown or non-float32 exit names, RangeError for a
 *   confidence outside [0, 1] or a repeated exit.
 */
export function validateExitOptions(options: Record<string, unknown>, outputs: readonly ValueDescription[]): ExitRequest {
  // The other options are split off (reading each once) only when there are any: runs pass just these two.
  let exits: unknown;
  let confidence: unknown;
  let rest: Record<string, unknown> | undefined;
  if (hasOnlyExitKeys(options)) {
    exits = options.exits;
    confidence = options.confidence;
  } else {
    ({ exits, confidence, ...rest } = options);
  }
  if (!Array.isArray(exits) || exits.length === 0) {
    throw new TypeError(expected('a non-empty array of output names', 'run options.exits', exits));
  }
  for (let i = 0; i < exits.length; i++) {
    const name: unknown = exits[i];
    let out: ValueDescription | undefined;
    for (let k = 0; k < outputs.length && !out; k++) if (outputs[k].name === name) out = outputs[k];
    if (typeof name !== 'string' || !out) {
      const names = outputs.map((o) => o.name);
      throw new TypeError(expected(`one of the output names ${names.map((n) => JSON.stringify(n)).join(', ')}`, 'run options.exits', name));
    }
    if (out.type !== 'float32') throw new TypeError(expected('a float32 output (class scores)', `run options.exits "${name}"`, out.type));
  }
  for (let i = 1; i < exits.length; i++) {
    for (let j = 0; j < i; j++) if (exits[j] === exits[i]) throw new RangeError(expected('distinct exit names', 'run options.exits', exits));
  }
  if (typeof confidence !== 'number' || Number.isNaN(confidence)) {
    throw new TypeError(expected('a number in [0, 1]', 'run options.confidence', confidence));
  }
  if (confidence < 0 || confidence > 1) throw new RangeError(expected('a number in [0, 1]', 'run options.confidence', confidence));
  return { exits: exits.slice() as string[], confidence, rest: rest && Object.keys(rest).length ? (rest as RunOptions) : undefined };
}

/**
 * The rule in plain TypeScript, for tests and sweeps over outputs of full runs: index of the exit that answers for
 * one batch given each exit's scores (`rows x classes`, row-major): the first where every row's top softmax
 * probability is >= confidence, else the last.
 */
export function exitIndexFor(scores: Float32Array[], classes: number, confidence: number): number {
  for (let k = 0; k < scores.length - 1; k++) {
    let all = true;
    for (let r = 0; r * classes < scores[k].length && all; r++) {
      all = topSoftmaxProbability(scores[k].subarray(r * classes, (r + 1) * classes)) >= confidence;
    }
    if (all) return k;
  }
  return scores.length - 1;
}

/** Largest softmax probability of one row, stable (max-shifted, in double), as the executor computes it. NaN for NaN rows. */
export function topSoftmaxProbability(row: ArrayLike<number>): number {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) {
    if (Number.isNaN(row[j])) return NaN;
    if (row[j] > max) max = row[j];
  }
  if (!Number.isFinite(max)) {
    let infinite = 0;
    for (let j = 0; j < row.length; j++) if (row[j] === max) infinite++;
    return max > 0 ? 1 / infinite : 1 / row.length;
  }
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  return 1 / sum;
}
