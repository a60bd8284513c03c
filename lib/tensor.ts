/** The public tensor type: a typed array plus dims, shaped like onnxruntime-node's Tensor so code can move between them. */
import { expected } from './errors';

/** Element types a sparq engine accepts and returns. */
export type TensorType = 'float32' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

/** The typed array that holds each element type (bool is one byte per element, 0 or 1). */
export interface TensorDataTypes {
  float32: Float32Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  bool: Uint8Array;
}
export type TensorData = TensorDataTypes[TensorType];

const ARRAY_OF_TYPE: Record<TensorType, { new (n: number): TensorData; name: string }> = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  bool: Uint8Array,
};

export const TENSOR_TYPES = Object.keys(ARRAY_OF_TYPE) as TensorType[];

/** Number of bytes per element of each type. */
export const BYTES_PER_ELEMENT: Record<TensorType, number> = {
  float32: 4,
  int64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  bool: 1,
};

export function isTensorType(value: unknown): value is TensorType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ARRAY_OF_TYPE, value);
}

/** The type a typed array stands for when the caller gives no type (Uint8Array → uint8). */
function typeOfArray(data: unknown): TensorType | undefined {
  switch (arrayClassName(data)) {
    case 'Float32Array': return 'float32';
    case 'BigInt64Array': return 'int64';
    case 'Int32Array': return 'int32';
    case 'Uint8Array': return 'uint8';
    case 'Int8Array': return 'int8';
    default: return undefined;
  }
}

/** The typed-array class name, by tag rather than instanceof so arrays from other realms (vm, jest, Buffer) count. */
function arrayClassName(data: unknown): string | undefined {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) return undefined;
  const tag = Object.prototype.toString.call(data).slice(8, -1);
  return tag;
}

/** Converts a plain JS array into the typed array of `type`; throws on values the type cannot hold. */
function fromArray(type: TensorType, values: unknown[]): TensorData {
  const out = new ARRAY_OF_TYPE[type](values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (type === 'int64') {
      if (typeof v === 'bigint') (out as BigInt64Array)[i] = v;
      else if (typeof v === 'number' && Number.isInteger(v)) (out as BigInt64Array)[i] = BigInt(v);
      else throw new TypeError(expected('an integer or bigint', `tensor data[${i}]`, v));
    } else if (type === 'bool') {
      if (typeof v !== 'boolean' && typeof v !== 'number') throw new TypeError(expected('a boolean', `tensor data[${i}]`, v));
      (out as Uint8Array)[i] = v ? 1 : 0;
    } else {
      if (typeof v !== 'number') throw new TypeError(expected('a number', `tensor data[${i}]`, v));
      (out as Float32Array)[i] = v;
    }
  }
  return out;
}

/** Checks dims: an array of non-negative integers. */
export function checkDims(dims: unknown, name: string): number[] {
  if (!Array.isArray(dims)) throw new TypeError(expected('an array of non-negative integers', name, dims));
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new TypeError(expected('an array of non-negative integers', name, dims));
    }
  }
  return dims.slice() as number[];
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Set by engineTensor for the one constructor call it makes. */
let unchecked = false;

/**
 * A tensor the engine builds over data it just produced, skipping the constructor's checks: `data` must be the
 * typed array of `type` and `dims` a frozen array whose product is its length. Used once per output per run.
 */
export function engineTensor(type: TensorType, data: TensorData, dims: readonly number[]): Tensor {
  unchecked = true;
  try {
    return new Tensor(type, data, dims);
  } finally {
    unchecked = false;
  }
}

/**
 * A dense tensor in row-major order.
 *
 * `new Tensor('float32', new Float32Array(6), [2, 3])`, `new Tensor(new Int32Array([1, 2]))` (type from the
 * array, dims = [length]), or `new Tensor('int64', [1, 2, 3], [3])` (plain arrays are converted).
 */
export class Tensor {
  readonly type: TensorType;
  readonly data: TensorData;
  readonly dims: readonly number[];

  /** @throws TypeError for an unknown type, data that does not match the type, or bad dims. */
  constructor(type: TensorType, data: TensorData | readonly unknown[], dims?: readonly number[]);
  constructor(data: TensorData, dims?: readonly number[]);
  constructor(a: unknown, b?: unknown, c?: unknown) {
    if (unchecked) {
      unchecked = false;
      this.type = a as TensorType;
      this.data = b as TensorData;
      this.dims = c as readonly number[];
      return;
    }
    let type: TensorType;
    let data: unknown;
    let dims: unknown;
    if (typeof a === 'string') {
      if (!isTensorType(a)) throw new TypeError(expected(`one of ${TENSOR_TYPES.join(', ')}`, 'tensor type', a));
      type = a;
      data = b;
      dims = c;
    } else {
      const inferred = typeOfArray(a);
      if (!inferred) {
        throw new TypeError(expected('a tensor type or a Float32Array, BigInt64Array, Int32Array, Uint8Array or Int8Array', 'tensor data', a));
      }
      type = inferred;
      data = a;
      dims = b;
    }
    const Expected = ARRAY_OF_TYPE[type];
    if (Array.isArray(data)) data = fromArray(type, data);
    else if (arrayClassName(data) !== Expected.name) throw new TypeError(expected(`a ${Expected.name}`, `${type} tensor data`, data));
    const length = (data as TensorData).length;
    const shape = dims === undefined ? [length] : checkDims(dims, 'tensor dims');
    if (product(shape) !== length) {
      throw new RangeError(expected(`${product(shape)} elements (product of dims [${shape.join(', ')}])`, 'tensor data', data));
    }
    this.type = type;
    this.data = data as TensorData;
    this.dims = Object.freeze(shape);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Returns a tensor with the same data and new dims (same element count). */
  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.type, this.data, dims);
  }
}
