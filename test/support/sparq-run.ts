/** Runs a model on sparq's Engine with OrtValue-shaped feeds, for the differential suites. */
import { Engine, Tensor } from '../../lib';
import type { EngineOptions } from '../../lib';
import type { OrtValue } from './ort';

/** ISA levels this machine can run (every one is tested). */
export function isaLevels(): string[] {
  return Engine.capabilities().levels;
}

/** Loads a model with the given options. */
export function loadEngine(model: string | Uint8Array, options: EngineOptions): Promise<Engine> {
  return Engine.load(model, options);
}

/** Runs an engine on OrtValue feeds and returns OrtValue outputs. */
export async function runEngine(engine: Engine, feeds: Record<string, OrtValue>): Promise<Record<string, OrtValue>> {
  const inputs: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(feeds)) {
    inputs[name] = new Tensor(v.type as Tensor['type'], v.data as Tensor['data'], v.dims);
  }
  const results = await engine.run(inputs);
  const out: Record<string, OrtValue> = {};
  for (const [name, t] of Object.entries(results)) out[name] = { type: t.type, dims: [...t.dims], data: t.data };
  return out;
}

/** Load, run once, dispose. */
export async function sparqEval(model: string | Uint8Array, feeds: Record<string, OrtValue>, options: EngineOptions): Promise<Record<string, OrtValue>> {
  const engine = await loadEngine(model, options);
  try {
    return await runEngine(engine, feeds);
  } finally {
    engine.dispose();
  }
}
