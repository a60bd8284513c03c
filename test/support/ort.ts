/** onnxruntime-node as the oracle: sessions with fixed thread settings, runs on plain typed arrays, error measure. */
import * as ort from 'onnxruntime-node';

export type OrtData = Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | Uint16Array | Int16Array;

export interface OrtValue {
  type: string;
  dims: number[];
  data: OrtData;
}

/** A session with deterministic settings: intra-op threads as given, no inter-op parallelism, all optimizations. */
export async function ortSession(model: string | Uint8Array, threads = 1): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

/** Runs a session and returns every output as { type, dims, data }. */
export async function ortRun(session: ort.InferenceSession, feeds: Record<string, OrtValue>): Promise<Record<string, OrtValue>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, v] of Object.entries(feeds)) {
    ortFeeds[name] = new ort.Tensor(v.type as ort.Tensor.Type, v.data as ort.Tensor.DataType, v.dims);
  }
  const results = await session.run(ortFeeds);
  const out: Record<string, OrtValue> = {};
  for (const [name, t] of Object.entries(results)) {
    out[name] = { type: t.type, dims: [...t.dims], data: t.data as OrtData };
  }
  return out;
}

/** One-shot: build a session (1 thread), run, release. */
export async function ortEval(model: string | Uint8Array, feeds: Record<string, OrtValue>): Promise<Record<string, OrtValue>> {
  const session = await ortSession(model, 1);
  try {
    return await ortRun(session, feeds);
  } finally {
    await session.release();
  }
}

/** Max |a - b| and max |ref| over two equally long arrays (NaNs count as mismatches unless both NaN). */
export function maxAbsError(actual: ArrayLike<number | bigint>, reference: ArrayLike<number | bigint>): { err: number; refMax: number } {
  let err = 0;
  let refMax = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = Number(actual[i]);
    const r = Number(reference[i]);
    if (Number.isNaN(a) && Number.isNaN(r)) continue;
    const d = Math.abs(a - r);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
    if (Number.isFinite(r)) refMax = Math.max(refMax, Math.abs(r));
  }
  return { err, refMax };
}

/** The suite's tolerance: max abs error ≤ 1e-4·max|ref| + 1e-5. */
export function tolerance(refMax: number): number {
  return 1e-4 * refMax + 1e-5;
}

/**
 * Asserts actual ≈ reference within the suite's tolerance (and equal dims), with a message that names
 * the case, the error and the bound.
 */
export function expectClose(label: string, actual: { dims: readonly number[]; data: ArrayLike<number | bigint> }, reference: { dims: readonly number[]; data: ArrayLike<number | bigint> }): void {
  const dimsA = JSON.stringify([...actual.dims]);
  const dimsR = JSON.stringify([...reference.dims]);
  if (dimsA !== dimsR) throw new Error(`${label}: dims ${dimsA} differ from reference dims ${dimsR}`);
  if (actual.data.length !== reference.data.length) {
    throw new Error(`${label}: ${actual.data.length} elements differ from reference ${reference.data.length}`);
  }
  const { err, refMax } = maxAbsError(actual.data, reference.data);
  const bound = tolerance(refMax);
  if (!(err <= bound)) {
    throw new Error(`${label}: max abs error ${err.toExponential(3)} exceeds ${bound.toExponential(3)} (max |ref| ${refMax.toExponential(3)})`);
  }
}
