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

/** Early exit for one run: stop after the first exit tensor (ids, in execution order) whose rows are all confident. */
export interface NativeExitRule {
  /** Top softmax probability threshold in [0, 1]. */
  confidence: number;
  /** Exit tensor ids, in the order the plan computes them; default the plan's `exits`. The last always answers. */
  exits?: number[];
}

/** An early-exit run's result; outputs written by ops that never ran are empty ArrayBuffers. */
export interface NativeExitResult {
  outputs: ArrayBuffer[];
  /** Index into the exit list of the exit that answered. */
  exit: number;
  /** False when the last exit answered without reaching the threshold. */
  confident: boolean;
  /** How many ops ran. */
  opsRun: number;
}

export interface NativePlan {
  /**
   * Runs the whole plan on this thread. `inputs` are in plan input order; returns one ArrayBuffer per plan
   * output. `capture` lists extra tensor ids whose values are copied out right after they are produced
   * (calibration mode); they are appended after the outputs in the order given.
   */
  runSync(inputs: ArrayBufferView[], capture?: number[]): ArrayBuffer[];
  /** With an exit rule: runs until the first confident exit (see NativeExitRule). */
  runSync(inputs: ArrayBufferView[], capture: number[] | undefined, exit: NativeExitRule): NativeExitResult;
  /** Same, on a libuv worker thread; the inputs are copied before the call returns. */
  run(
    inputs: ArrayBufferView[],
    callback: (err: Error | null, outputs?: ArrayBuffer[]) => void,
    capture?: number[],
  ): void;
  run(
    inputs: ArrayBufferView[],
    callback: (err: Error | null, result?: NativeExitResult) => void,
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
