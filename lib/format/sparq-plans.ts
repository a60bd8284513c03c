/**
 * Compiled plans in a .sparq file (format version 2): the native plan descriptions an engine had compiled when it was
 * saved, constants as blobs, so loading and the first run of those input shapes skip plan compilation.
 */
import type { StoredPlans } from '../engine';
import type { CompiledPlan } from '../plan/compile';
import type { NativeOpDesc, NativePlanDesc, NativeTensorDesc } from '../plan/plan-desc';

export interface PlanTensorJson {
  dtype: number;
  shape: number[];
  kind: number;
  offset: number;
  /** Constants: the blob holding their little-endian bytes. */
  blob?: number;
}

export interface PlanJson {
  signature: string;
  arenaBytes: number;
  tensors: PlanTensorJson[];
  ops: NativeOpDesc[];
  inputs: number[];
  outputs: number[];
  results: CompiledPlan['outputs'];
}

/** `addBytes` stores bytes as a blob and returns its index. threads and isa are not stored: the loading engine sets them. */
export function encodePlans(plans: { signature: string; compiled: CompiledPlan }[], addBytes: (bytes: Uint8Array) => number): PlanJson[] {
  return plans.map(({ signature, compiled }) => {
    const d = compiled.desc;
    const tensors = d.tensors.map((t) => {
      const out: PlanTensorJson = { dtype: t.dtype, shape: t.shape, kind: t.kind, offset: t.offset };
      if (t.data) out.blob = addBytes(t.data);
      return out;
    });
    return { signature, arenaBytes: d.arenaBytes, tensors, ops: d.ops, inputs: d.inputs, outputs: d.outputs, results: compiled.outputs };
  });
}

/**
 * Rebuilds the stored plans; `blobBytes(i)` gives blob i's little-endian bytes. Only the blob references are checked
 * here: the native Plan constructor validates the rest when a plan is used (and its errors name the op).
 * @throws Error naming what does not fit (the reader turns it into a ModelFormatError).
 */
export function decodePlans(json: unknown, blobBytes: (index: number) => Uint8Array | undefined): StoredPlans {
  const plans = new Map<string, CompiledPlan>();
  if (json === undefined) return plans;
  if (!Array.isArray(json)) throw new Error('its plan table is not a list');
  json.forEach((p: PlanJson, i) => {
    if (typeof p !== 'object' || p === null || typeof p.signature !== 'string' || !Array.isArray(p.tensors) || !Array.isArray(p.ops) || !Array.isArray(p.results)) {
      throw new Error(`stored plan ${i} is malformed`);
    }
    const tensors: NativeTensorDesc[] = p.tensors.map((t, k) => {
      const out: NativeTensorDesc = { dtype: t.dtype, shape: t.shape, kind: t.kind, offset: t.offset };
      if (t.blob !== undefined) {
        const data = Number.isInteger(t.blob) ? blobBytes(t.blob) : undefined;
        if (!data) throw new Error(`tensor ${k} of stored plan ${i} names a blob that does not exist (${String(t.blob)})`);
        out.data = data;
      }
      return out;
    });
    const desc: NativePlanDesc = { threads: 1, isa: '', arenaBytes: p.arenaBytes, tensors, ops: p.ops, inputs: p.inputs, outputs: p.outputs };
    plans.set(p.signature, { desc, outputs: p.results });
  });
  return plans;
}
