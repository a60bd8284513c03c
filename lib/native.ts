/** Loads the compiled addon with `bindings` and describes its surface; nothing else imports the .node file. */
import type { NativePlanDesc } from './plan/plan-desc';

export interface NativeCapabilities {
  /** ISA levels this CPU and OS can run, lowest first, e.g. ['scalar','avx2','avxvnni','avx512','avx512vnni']. */
  levels: string[];
  /** Individual features detected, e.g. ['avx2','fma','avx512f','avx512vnni']. */
  detected: string[];
  /** Level used when a plan does not ask for one (highest, or SPARQ_ISA). */
  selected: string;
  /** Hardware threads available to this process. */
  threads: number;
  /** CPU brand string. */
  cpu: string;
  arch: 'x64' | 'arm64' | string;
}

/**
 * Early exit for one run, as one Float64Array (lib/dynamic/exit-rule.ts EXIT_RULE_SLOT names the slots):
 * `[confidence, exit, confident, opsRun, exit ids...]`. The run stops after the first exit tensor (ids in execution
 * order; none listed = the plan's `exits`) whose rows all reach the top softmax probability `confidence`, the last
 * always answering, and writes into slots 1-3 the index of the exit that answered, 1 if it was confident (else 0)
 * and how many ops ran. A typed array rather than an object: reading and building objects costs N-API calls on
 * every run.
 */
export type NativeExitRule = Float64Array;

export interface NativePlan {
  /**
   * Runs the whole plan on this thread. `inputs` are in plan input order; returns one ArrayBuffer per plan
   * output. `capture` lists extra tensor ids whose values are copied out right after they are produced
   * (calibration mode); they are appended after the outputs in the order given.
   */
  runSync(inputs: ArrayBufferView[], capture?: number[]): ArrayBuffer[];
  /**
   * With an exit rule: runs until the first confident exit and writes the outcome into `exit` (see NativeExitRule).
   * Outputs written by ops that never ran are holes (undefined) in the result.
   */
  runSync(inputs: ArrayBufferView[], capture: number[] | undefined, exit: NativeExitRule): (ArrayBuffer | undefined)[];
  /** Same, on a libuv worker thread; the inputs are copied before the call returns. */
  run(
    inputs: ArrayBufferView[],
    callback: (err: Error | null, outputs?: ArrayBuffer[]) => void,
    capture?: number[],
  ): void;
  /** With an exit rule: the outcome is in `exit` when the callback runs (read it there, before any other run). */
  run(
    inputs: ArrayBufferView[],
    callback: (err: Error | null, outputs?: (ArrayBuffer | undefined)[]) => void,
    capture: number[] | undefined,
    exit: NativeExitRule,
  ): void;
  /** Kernel chosen for each op, in op order (e.g. 'f32-gemm-14x32-avx512 1x1'). */
  kernels(): string[];
  /** Milliseconds spent in each op during the last run, in op order (zeros before the first run); after an early exit, only the ops that ran. */
  lastTimings(): number[];
  /** Frees native memory now; later runs throw. Runs in flight finish first. */
  dispose(): void;
}

export interface NativeBinding {
  Plan: new (desc: NativePlanDesc) => NativePlan;
  capabilities(): NativeCapabilities;
  /** Counters for tests: `runCalls` counts runSync + run calls since load. */
  stats(): { runCalls: number; plansAlive: number };
  /** Native op types known to the executor. */
  opTypes(): string[];
}

let cached: NativeBinding | undefined;

/**
 * The addon. `SPARQ_ADDON_PATH` names another build of it (the sanitizer run of the test suite loads an ASan build
 * this way); otherwise `bindings` finds build/Release/sparq.node.
 * @throws Error when the addon was not built (run `npm install` or `npm run build`).
 */
export function native(): NativeBinding {
  if (!cached) {
    const override = process.env.SPARQ_ADDON_PATH;
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    cached = (override ? require(override) : require('bindings')('sparq')) as NativeBinding;
  }
  return cached!;
}
