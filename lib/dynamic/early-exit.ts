/** Early exit: validates `{ exits, confidence }` run options and maps them onto the native plan's exit rule. */
import { expected } from '../errors';
import type { CompiledPlan } from '../plan/compile';
import type { NativeExitRule } from '../native';
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

/**
 * Checks `exits` and `confidence` against the model outputs and splits them off the other run options.
 * @throws TypeError for missing or mistyped fields and unknown or non-float32 exit names, RangeError for a
 *   confidence outside [0, 1] or a repeated exit.
 */
export function validateExitOptions(options: Record<string, unknown>, outputs: readonly ValueDescription[]): ExitRequest {
  // The other options are split off (reading each once) only when there are any: runs pass just these two.
  const keys = Object.keys(options);
  let onlyExitKeys = true;
  for (let k = 0; k < keys.length; k++) if (keys[k] !== 'exits' && keys[k] !== 'confidence') onlyExitKeys = false;
  let exits: unknown;
  let confidence: unknown;
  let rest: Record<string, unknown> | undefined;
  if (onlyExitKeys) {
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
 * The native rule for a compiled plan: exit names → output tensor ids.
 * @throws RangeError when the exits are not listed in the order the plan computes them.
 */
export function nativeExitRule(compiled: CompiledPlan, request: ExitRequest): NativeExitRule {
  // Every run asks: look the exits up in a table made once per plan, and work out the error only when there is one.
  const steps = exitSteps(compiled);
  const ids: number[] = [];
  let previous = -1;
  for (let i = 0; i < request.exits.length; i++) {
    const step = steps.get(request.exits[i]);
    if (step === undefined || step.op < 0 || step.op < previous) return describeExitOrder(compiled, request);
    previous = step.op;
    ids.push(step.id);
  }
  return { exits: ids, confidence: request.confidence };
}

/** Per compiled plan and output name (its first occurrence): its tensor id and the last op writing it, -1 for none. */
const exitStepsOf = new WeakMap<CompiledPlan, Map<string, { id: number; op: number }>>();

function exitSteps(compiled: CompiledPlan): Map<string, { id: number; op: number }> {
  let steps = exitStepsOf.get(compiled);
  if (!steps) {
    const producer = new Map<number, number>();
    compiled.desc.ops.forEach((op, k) => op.outputs.forEach((id) => producer.set(id, k)));
    steps = new Map();
    for (let i = 0; i < compiled.outputs.length; i++) {
      const name = compiled.outputs[i].name;
      const id = compiled.desc.outputs[i];
      if (!steps.has(name)) steps.set(name, { id, op: producer.get(id) ?? -1 });
    }
    exitStepsOf.set(compiled, steps);
  }
  return steps;
}

/** nativeExitRule the long way: throws the RangeError naming the order the model computes the exits in. */
function describeExitOrder(compiled: CompiledPlan, request: ExitRequest): NativeExitRule {
  const ids = request.exits.map((name) => compiled.desc.outputs[compiled.outputs.findIndex((o) => o.name === name)]);
  const producer = new Map<number, number>();
  compiled.desc.ops.forEach((op, k) => op.outputs.forEach((id) => producer.set(id, k)));
  const steps = ids.map((id) => producer.get(id) ?? -1);
  if (steps.some((k, i) => k < 0 || (i > 0 && k < steps[i - 1]))) {
    const order = request.exits
      .map((name, i) => ({ name, k: steps[i] }))
      .sort((a, b) => a.k - b.k)
      .map((e) => JSON.stringify(e.name));
    throw new RangeError(
      expected(`exits in the order the model computes them (${order.join(', ')}), each computed by an op`, 'run options.exits', request.exits),
    );
  }
  return { exits: ids, confidence: request.confidence };
}

/** Output names whose values the stopped run produced (non-empty buffers), restricted to `wanted` when given. */
export function computedOutputs(compiled: CompiledPlan, buffers: ArrayBuffer[], wanted: Set<string> | undefined): Set<string> {
  const names = new Set<string>();
  compiled.outputs.forEach((o, i) => {
    const empty = buffers[i].byteLength === 0 && o.shape.every((d) => d !== 0);
    if (!empty && (!wanted || wanted.has(o.name))) names.add(o.name);
  });
  return names;
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
