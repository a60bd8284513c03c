/** Checks every user argument before anything crosses into C++; messages follow `Expected <what> for <name> but received <value>`. */
import { describeValue, expected } from './errors';
import { Tensor, TensorData, TensorType, isTensorType } from './tensor';

/** A model input or output as the user sees it: symbolic dims are their names. */
export interface ValueDescription {
  name: string;
  type: TensorType;
  shape: (number | string)[];
  /** Set when the model does not even give the rank: any dims are accepted. */
  rankUnknown?: true;
}

export interface EngineOptions {
  /** Worker threads for one run (integer ≥ 1; default: the hardware threads of this process). */
  threads?: number;
  /** ISA level to run on, one of `Engine.capabilities().levels` (default: the best one, or SPARQ_ISA). */
  isa?: string;
  /** Refuse (RangeError) any input-shape signature whose plan needs more native memory than this (default: 4 GiB or half the RAM). */
  maxMemoryBytes?: number;
}

export interface RunOptions {
  /** Names of the outputs to return (default: all). */
  outputs?: string[];
}

/** The house style when the received part is already prose (`dims [1, 2]`), not a value to quote. */
function literal(what: string, name: string, received: string): string {
  return `Expected ${what} for ${name} but received ${received}`;
}

const article = (type: string) => (type.startsWith('int') ? 'an' : 'a');

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** @throws TypeError / RangeError naming the bad option. */
export function validateEngineOptions(
  options: unknown,
  levels: readonly string[],
  defaultThreads: number,
): { threads: number; isa: string; maxMemoryBytes?: number } {
  if (options === undefined) return { threads: defaultThreads, isa: '' };
  if (!isPlainObject(options)) throw new TypeError(expected('an object', 'options', options));
  for (const key of Object.keys(options)) {
    if (key !== 'threads' && key !== 'isa' && key !== 'maxMemoryBytes') {
      throw new TypeError(expected('one of the options "threads", "isa", "maxMemoryBytes"', 'options', key));
    }
  }
  let maxMemoryBytes: number | undefined;
  if (options.maxMemoryBytes !== undefined) {
    const m = options.maxMemoryBytes;
    if (typeof m !== 'number' || !Number.isSafeInteger(m) || m < 0) throw new RangeError(expected('a non-negative safe integer', 'options.maxMemoryBytes', m));
    maxMemoryBytes = m;
  }
  let threads = defaultThreads;
  if (options.threads !== undefined) {
    const t = options.threads;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 1) throw new RangeError(expected('an integer >= 1', 'options.threads', t));
    threads = t;
  }
  let isa = '';
  if (options.isa !== undefined) {
    if (typeof options.isa !== 'string' || !levels.includes(options.isa)) {
      throw new RangeError(expected(`one of ${levels.map((l) => JSON.stringify(l)).join(', ')}`, 'options.isa', options.isa));
    }
    isa = options.isa;
  }
  return maxMemoryBytes === undefined ? { threads, isa } : { threads, isa, maxMemoryBytes };
}

/** @throws TypeError for options that are not an object or name unknown outputs. */
export function validateRunOptions(options: unknown, outputs: readonly ValueDescription[]): RunOptions {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new TypeError(expected('an object', 'run options', options));
  for (const key of Object.keys(options)) {
    if (key !== 'outputs') throw new TypeError(expected('one of the run options "outputs"', 'run options', key));
  }
  if (options.outputs === undefined) return {};
  const names = outputs.map((o) => o.name);
  if (!Array.isArray(options.outputs) || options.outputs.length === 0) {
    throw new TypeError(expected('a non-empty array of output names', 'run options.outputs', options.outputs));
  }
  for (const name of options.outputs) {
    if (typeof name !== 'string' || !names.includes(name)) {
      throw new TypeError(expected(`one of the output names ${names.map((n) => JSON.stringify(n)).join(', ')}`, 'run options.outputs', name));
    }
  }
  return { outputs: options.outputs.slice() as string[] };
}

/** A feed as the engine needs it: a typed array view and its dims, in model input order. */
export interface CheckedFeeds {
  data: TensorData[];
  /** The dims of each feed, in model input order (the caller's arrays: copy before keeping them). */
  dims: readonly (readonly number[])[];
  /** Input-shape signature, the plan cache key. */
  signature: string;
}

function tensorLike(value: unknown): { type: unknown; data: unknown; dims: unknown } | undefined {
  if (value instanceof Tensor) return value;
  if (typeof value === 'object' && value !== null && 'type' in value && 'data' in value && 'dims' in value) {
    return value as { type: unknown; data: unknown; dims: unknown };
  }
  return undefined;
}

const ARRAY_NAME: Record<TensorType, string> = {
  float32: 'Float32Array',
  int64: 'BigInt64Array',
  int32: 'Int32Array',
  uint8: 'Uint8Array',
  int8: 'Int8Array',
  bool: 'Uint8Array',
};

/**
 * Checks names, element types, ranks, static dims and data lengths of `feeds` against the model inputs.
 * @throws TypeError / RangeError in the house style.
 */
export function validateFeeds(feeds: unknown, inputs: readonly ValueDescription[]): CheckedFeeds {
  return new FeedValidator(inputs).check(feeds);
}

/** What checking one input needs, computed once per model. */
interface InputCheck {
  name: string;
  type: TensorType;
  /** The typed array's toStringTag, e.g. 'Float32Array'. */
  arrayName: string;
  /** -1 when the model does not give the rank. */
  rank: number;
  /** Per dim: the static size, or -1 for a symbolic dim. */
  dims: number[];
}

/**
 * `validateFeeds` for one model's inputs, with everything the checks need (names, array tags, static dims, the
 * signature of all-static inputs) computed once: `check` runs on every inference, so its accepting path builds no
 * strings, closures or maps. Any feed it cannot accept goes through `checkFeeds`, which throws the error.
 */
export class FeedValidator {
  private readonly checks: InputCheck[];
  /** The signature when every input is fully static, so any accepted feeds have it. */
  private readonly staticSignature: string | undefined;
  /** The dims (copied) and signature of the last accepted feeds, so runs at one shape build no signature string. */
  private lastDims: number[][] = [];
  private lastSignature = '';

  constructor(private readonly inputs: readonly ValueDescription[]) {
    this.checks = inputs.map((i) => ({
      name: i.name,
      type: i.type,
      arrayName: ARRAY_NAME[i.type],
      rank: i.rankUnknown ? -1 : i.shape.length,
      dims: i.shape.map((d) => (typeof d === 'number' ? d : -1)),
    }));
    const allStatic = inputs.every((i) => !i.rankUnknown && i.shape.every((d) => typeof d === 'number'));
    this.staticSignature = allStatic ? shapeSignature(inputs.map((i) => i.shape as number[])) : undefined;
  }

  /** @throws TypeError / RangeError in the house style, as `validateFeeds`. */
  check(feeds: unknown): CheckedFeeds {
    return this.accept(feeds) ?? checkFeeds(feeds, this.inputs);
  }

  /** The checked feeds when they are valid, else undefined (without saying why). */
  private accept(feeds: unknown): CheckedFeeds | undefined {
    if (!isPlainObject(feeds) || feeds instanceof Tensor) return undefined;
    const checks = this.checks;
    const keys = Object.keys(feeds);
    for (let k = 0; k < keys.length; k++) {
      let known = false;
      for (let i = 0; i < checks.length && !known; i++) known = keys[k] === checks[i].name;
      if (!known) return undefined;
    }
    const data: TensorData[] = [];
    const allDims: number[][] = [];
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i];
      const t = tensorLike(feeds[c.name]);
      if (!t || t.type !== c.type) return undefined;
      const dims = t.dims;
      // Any rank with fewer dims than the model's shape names is left to checkFeeds (only unknown ranks get here).
      if (!Array.isArray(dims) || (c.rank >= 0 ? dims.length !== c.rank : dims.length < c.dims.length)) return undefined;
      let count = 1;
      for (let d = 0; d < dims.length; d++) {
        const n = dims[d];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return undefined;
        if (d < c.dims.length && c.dims[d] >= 0 && n !== c.dims[d]) return undefined;
        count *= n;
      }
      const arr = t.data;
      // Same test as checkFeeds' Object.prototype.toString tag, without building the string.
      if (!ArrayBuffer.isView(arr) || (arr as unknown as Record<symbol, unknown>)[Symbol.toStringTag] !== c.arrayName) return undefined;
      if ((arr as TensorData).length !== count) return undefined;
      data.push(arr as TensorData);
      allDims.push(dims as number[]);
    }
    return { data, dims: allDims, signature: this.staticSignature ?? this.signatureOf(allDims) };
  }

  private signatureOf(dims: number[][]): string {
    const last = this.lastDims;
    let same = last.length === dims.length;
    for (let i = 0; same && i < dims.length; i++) {
      same = dims[i].length === last[i].length;
      for (let d = 0; same && d < dims[i].length; d++) same = dims[i][d] === last[i][d];
    }
    if (!same) {
      this.lastDims = dims.map((d) => d.slice());
      this.lastSignature = shapeSignature(dims);
    }
    return this.lastSignature;
  }
}

/** Checks `feeds` one by one and throws the first problem; the reference for FeedValidator. */
function checkFeeds(feeds: unknown, inputs: readonly ValueDescription[]): CheckedFeeds {
  if (!isPlainObject(feeds) || feeds instanceof Tensor) {
    throw new TypeError(expected('an object mapping input names to tensors', 'feeds', feeds));
  }
  const names = inputs.map((i) => i.name);
  for (const key of Object.keys(feeds)) {
    if (!names.includes(key)) {
      throw new TypeError(expected(`one of the input names ${names.map((n) => JSON.stringify(n)).join(', ')}`, 'feeds', key));
    }
  }
  const data: TensorData[] = [];
  const signature: number[][] = [];
  for (const input of inputs) {
    const where = `input "${input.name}"`;
    const value = feeds[input.name];
    const t = tensorLike(value);
    if (!t) throw new TypeError(expected('a Tensor', where, value));
    if (!isTensorType(t.type) || t.type !== input.type) {
      throw new TypeError(literal(`${article(input.type)} ${input.type} tensor`, where, isTensorType(t.type) ? `${article(t.type)} ${t.type} tensor` : describeValue(t.type)));
    }
    const dims = t.dims;
    if (!Array.isArray(dims) || dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      throw new TypeError(expected('dims of non-negative integers', where, dims));
    }
    if (!input.rankUnknown && dims.length !== input.shape.length) {
      throw new RangeError(literal(`${input.shape.length} dimensions [${input.shape.join(', ')}]`, where, `dims [${dims.join(', ')}]`));
    }
    input.shape.forEach((d, i) => {
      if (typeof d === 'number' && dims[i] !== d) {
        throw new RangeError(literal(`dims [${input.shape.join(', ')}]`, where, `dims [${dims.join(', ')}]`));
      }
    });
    const arrayName = ARRAY_NAME[input.type];
    const arr = t.data as TensorData;
    // By tag, not constructor: a Buffer is a Uint8Array, arrays from other realms count too.
    if (!ArrayBuffer.isView(arr) || Object.prototype.toString.call(arr).slice(8, -1) !== arrayName) {
      throw new TypeError(expected(`a ${arrayName}`, `${where} data`, t.data));
    }
    const count = (dims as number[]).reduce((a, b) => a * b, 1);
    if (arr.length !== count) {
      throw new RangeError(literal(`${count} elements (the product of dims [${dims.join(', ')}])`, `${where} data`, `${arr.length} elements`));
    }
    data.push(arr);
    signature.push(dims as number[]);
  }
  return { data, dims: signature, signature: shapeSignature(signature) };
}

/** The plan cache key of one set of input shapes (in model input order). */
export function shapeSignature(shapes: readonly (readonly number[])[]): string {
  return shapes.map((s) => s.join('x')).join(';');
}

/** `describeValue`, re-exported for the engine's own messages. */
export { describeValue };
