/** Runs a model on sparq's Engine with OrtValue-shaped feeds, for the differential suites. */
import * as sparq from '../../lib';
import type { OrtValue } from './ort';

// The facade is typed loosely here so the suites compile while lib/index.ts grows its exports.
interface EngineLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { type: string; dims: readonly number[]; data: OrtValue['data'] }>>;
  dispose(): void;
}
interface EngineClass {
  load(model: string | Uint8Array, options?: { threads?: number; isa?: string }): Promise<EngineLike>;
  capabilities(): { levels: string[]; selected: string; detected: string; threads: number; cpu: string };
}
type TensorClass = new (type: string, data: unknown, dims: readonly number[]) => unknown;

const lib = sparq as unknown as { Engine?: EngineClass; Tensor?: TensorClass };

/** True once lib/index.ts exports Engine and Tensor. */
export const engineAvailable = typeof lib.Engine === 'function' && typeof lib.Tensor === 'function';

/** ISA levels this machine can run (every one is tested). */
export function isaLevels(): string[] {
  return engineAvailable ? lib.Engine!.capabilities().levels : [];
}

export function capabilities(): ReturnType<EngineClass['capabilities']> {
  return lib.Engine!.capabilities();
}

/** Loads a model with the given options. */
export async function loadEngine(model: string | Uint8Array, options: { threads?: number; isa?: string }): Promise<EngineLike> {
  return lib.Engine!.load(model, options);
}

/** Runs an engine on OrtValue feeds and returns OrtValue outputs. */
export async function runEngine(engine: EngineLike, feeds: Record<string, OrtValue>): Promise<Record<string, OrtValue>> {
  const inputs: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(feeds)) inputs[name] = new lib.Tensor!(v.type, v.data, v.dims);
  const results = await engine.run(inputs);
  const out: Record<string, OrtValue> = {};
  for (const [name, t] of Object.entries(results)) out[name] = { type: t.type, dims: [...t.dims], data: t.data };
  return out;
}

/** Load, run once, dispose. */
export async function sparqEval(model: string | Uint8Array, feeds: Record<string, OrtValue>, options: { threads?: number; isa?: string }): Promise<Record<string, OrtValue>> {
  const engine = await loadEngine(model, options);
  try {
    return await runEngine(engine, feeds);
  } finally {
    engine.dispose();
  }
}
