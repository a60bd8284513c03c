/**
 * Early exit, native side of the facade: the exit rule array the executor reads (exit names → tensor ids, checked
 * against the order the plan computes them) and writes its outcome into, and a one-entry cache that lets repeated
 * runs with the same exits and confidence skip validation and lookups (they cost as much as the exit check itself).
 */
import { expected } from '../errors';
import type { NativeExitRule } from '../native';
import type { CompiledPlan } from '../plan/compile';
import type { ValueDescription } from '../validate';
import { ExitRequest, hasOnlyExitKeys, validateExitOptions } from './early-exit';

/** Slots of a NativeExitRule: the run reads `confidence` and the ids from `ids` on, and writes the other three. */
export const EXIT_RULE_SLOT = { confidence: 0, exit: 1, confident: 2, opsRun: 3, ids: 4 } as const;

/** What the native run wrote into its rule: the index of the exit that answered, whether it was confident, ops run. */
export interface ExitOutcome {
  exit: number;
  confident: boolean;
  opsRun: number;
}

export function readExitOutcome(rule: NativeExitRule): ExitOutcome {
  return { exit: rule[EXIT_RULE_SLOT.exit], confident: rule[EXIT_RULE_SLOT.confident] === 1, opsRun: rule[EXIT_RULE_SLOT.opsRun] };
}

/**
 * The native rule for a compiled plan: exit names → output tensor ids, outcome slots cleared.
 * @throws RangeError when the exits are not listed in the order the plan computes them.
 */
export function nativeExitRule(compiled: CompiledPlan, request: ExitRequest): NativeExitRule {
  // Look the exits up in a table made once per plan, and work out the error only when there is one.
  const steps = exitSteps(compiled);
  const rule = new Float64Array(EXIT_RULE_SLOT.ids + request.exits.length);
  rule[EXIT_RULE_SLOT.confidence] = request.confidence;
  rule[EXIT_RULE_SLOT.exit] = -1;
  let previous = -1;
  for (let i = 0; i < request.exits.length; i++) {
    const step = steps.get(request.exits[i]);
    if (step === undefined || step.op < 0 || step.op < previous) throwExitOrder(compiled, request);
    previous = step.op;
    rule[EXIT_RULE_SLOT.ids + i] = step.id;
  }
  return rule;
}

/**
 * The last early-exit request of one engine, validated, and its native rule for the last plan: a run asking for the
 * same exits (equal names, in order) and confidence, with no other options, reuses both. Anything else is validated
 * afresh. The rule's outcome slots are rewritten by every run that uses it, and read right after that run.
 */
export class ExitRuleCache {
  private request?: ExitRequest;
  /** The rule, and the plan and request it was made for. */
  private rule?: { compiled: CompiledPlan; request: ExitRequest; array: NativeExitRule };

  /** The validated request for `options` (see validateExitOptions, which throws for bad ones). */
  requestFor(options: Record<string, unknown>, outputs: readonly ValueDescription[]): ExitRequest {
    const last = this.request;
    if (last !== undefined && options.confidence === last.confidence && sameNames(options.exits, last.exits) && hasOnlyExitKeys(options)) {
      return last;
    }
    const request = validateExitOptions(options, outputs);
    if (request.rest === undefined) this.request = request;
    return request;
  }

  /** Forgets the cached request and rule (and the plan the rule refers to). */
  clear(): void {
    this.request = undefined;
    this.rule = undefined;
  }

  /** The native rule of `request` on `compiled`. @throws RangeError as nativeExitRule. */
  ruleFor(compiled: CompiledPlan, request: ExitRequest): NativeExitRule {
    const last = this.rule;
    if (last !== undefined && last.compiled === compiled && last.request === request) return last.array;
    const array = nativeExitRule(compiled, request);
    if (request === this.request) this.rule = { compiled, request, array };
    return array;
  }
}

function sameNames(exits: unknown, names: readonly string[]): boolean {
  if (!Array.isArray(exits) || exits.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (exits[i] !== names[i]) return false;
  return true;
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

/** The RangeError naming the order the model computes the exits in. */
function throwExitOrder(compiled: CompiledPlan, request: ExitRequest): never {
  const steps = exitSteps(compiled);
  const order = request.exits
    .map((name) => ({ name, k: steps.get(name)?.op ?? -1 }))
    .sort((a, b) => a.k - b.k)
    .map((e) => JSON.stringify(e.name));
  throw new RangeError(
    expected(`exits in the order the model computes them (${order.join(', ')}), each computed by an op`, 'run options.exits', request.exits),
  );
}
