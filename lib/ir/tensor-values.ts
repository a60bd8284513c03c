/** Conversions between TensorValue and plain numbers, element counts with limits, and ONNX dtype codes. */
import { ModelFormatError } from '../errors';
import type { DataType, TensorData, TensorValue } from './graph';

/** Largest element count a single tensor may have (typed arrays beyond 2^31 elements are not worth supporting). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** ONNX TensorProto.DataType codes of the types we decode. */
export const ONNX_DTYPE_CODE: Record<DataType, number> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
};

const DTYPE_BY_CODE = new Map<number, DataType>(
  Object.entries(ONNX_DTYPE_CODE).map(([k, v]) => [v, k as DataType]),
);

/** The DataType for an ONNX dtype code, or undefined for codes we do not decode (complex, bfloat16, float8 ...). */
export function dtypeFromCode(code: number): DataType | undefined {
  return DTYPE_BY_CODE.get(code);
}

/** Bytes per element (string: 0, it has no fixed size). */
export function elementSize(type: DataType): number {
  switch (type) {
    case 'float64':
    case 'int64':
    case 'uint64':
      return 8;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 4;
    case 'float16':
    case 'int16':
    case 'uint16':
      return 2;
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
    case 'string':
      return 0;
  }
}

/**
 * Product of `dims`, checking each dim is a non-negative integer and the product stays below MAX_TENSOR_ELEMENTS.
 * @throws ModelFormatError naming `what`.
 */
export function elementCount(dims: readonly number[], what = 'tensor'): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ModelFormatError(`Expected non-negative integer dimensions for ${what} but received [${dims.join(', ')}]`);
    }
    n *= d;
  }
  if (n > MAX_TENSOR_ELEMENTS) {
    throw new ModelFormatError(
      `Expected at most ${MAX_TENSOR_ELEMENTS} elements for ${what} but received [${dims.join(', ')}] (${n} elements)`,
    );
  }
  return n;
}

/** A zero-filled data array of the right class for `type`. */
export function allocateData(type: DataType, count: number): TensorData {
  switch (type) {
    case 'float32':
      return new Float32Array(count);
    case 'float64':
      return new Float64Array(count);
    case 'float16':
    case 'uint16':
      return new Uint16Array(count);
    case 'int8':
      return new Int8Array(count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(count);
    case 'int16':
      return new Int16Array(count);
    case 'int32':
      return new Int32Array(count);
    case 'uint32':
      return new Uint32Array(count);
    case 'int64':
      return new BigInt64Array(count);
    case 'uint64':
      return new BigUint64Array(count);
    case 'string':
      return new Array<string>(count).fill('');
  }
}

/** True for the types whose data arrays hold BigInt. */
export function isBigIntType(type: DataType): boolean {
  return type === 'int64' || type === 'uint64';
}

export function isFloatType(type: DataType): boolean {
  return type === 'float32' || type === 'float64' || type === 'float16';
}

/** Builds a tensor from plain values (numbers, bigints or booleans), converting to the element type. */
export function makeTensor(
  type: DataType,
  dims: readonly number[],
  values: ArrayLike<number | bigint | boolean | string>,
): TensorValue {
  const n = elementCount(dims);
  if (values.length !== n) {
    throw new RangeError(`Expected ${n} values for a tensor of shape [${dims.join(', ')}] but received ${values.length}`);
  }
  const data = allocateData(type, n);
  if (type === 'string') {
    for (let i = 0; i < n; i++) (data as string[])[i] = String(values[i]);
  } else if (isBigIntType(type)) {
    const d = data as BigInt64Array | BigUint64Array;
    const wrap = type === 'int64' ? BigInt.asIntN : BigInt.asUintN;
    for (let i = 0; i < n; i++) d[i] = wrap(64, toBigInt(values[i]));
  } else if (type === 'float16') {
    const d = data as Uint16Array;
    for (let i = 0; i < n; i++) d[i] = float32ToFloat16Bits(Number(values[i]));
  } else if (type === 'bool') {
    const d = data as Uint8Array;
    for (let i = 0; i < n; i++) d[i] = Number(values[i]) !== 0 ? 1 : 0;
  } else {
    const d = data as Float32Array;
    const isInt = !isFloatType(type);
    for (let i = 0; i < n; i++) {
      const v = Number(values[i]);
      d[i] = isInt ? Math.trunc(v) : v;
    }
  }
  return { type, dims: [...dims], data };
}

function toBigInt(v: number | bigint | boolean | string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  const n = Number(v);
  if (Number.isNaN(n)) return 0n;
  if (n >= 9223372036854775807) return 9223372036854775807n;
  if (n <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(n));
}

/** Element values as JS numbers (int64 beyond 2^53 rounds; float16 decoded; bool 0/1). */
export function toNumbers(t: TensorValue): number[] {
  const out = new Array<number>(t.data.length);
  if (t.type === 'string') throw new ModelFormatError(`Expected a numeric tensor but received a string tensor`);
  if (t.type === 'float16') {
    const d = t.data as Uint16Array;
    for (let i = 0; i < d.length; i++) out[i] = float16BitsToNumber(d[i]);
    return out;
  }
  const d = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** Element values as BigInt (floats truncated toward zero). */
export function toBigInts(t: TensorValue): bigint[] {
  if (isBigIntType(t.type)) return Array.from(t.data as BigInt64Array);
  return toNumbers(t).map((v) => toBigInt(v));
}

/** The single element of a one-element tensor (any rank). @throws ModelFormatError otherwise. */
export function scalarOf(t: TensorValue, what = 'tensor'): number {
  if (t.data.length !== 1) {
    throw new ModelFormatError(`Expected a single-element tensor for ${what} but received shape [${t.dims.join(', ')}]`);
  }
  return toNumbers(t)[0];
}

/** The little-endian bytes of a tensor's data (a view when possible; strings are not allowed). */
export function tensorBytes(t: TensorValue): Uint8Array {
  if (t.type === 'string') throw new ModelFormatError('Expected a numeric tensor but received a string tensor');
  const d = t.data as Exclude<TensorData, string[]>;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Copies little-endian bytes (any alignment) into a fresh data array of `type`. */
export function dataFromBytes(type: DataType, bytes: Uint8Array, count: number): TensorData {
  const data = allocateData(type, count) as Exclude<TensorData, string[]>;
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes.subarray(0, data.byteLength));
  return data;
}

/** IEEE half bits → number. */
export function float16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** number → IEEE half bits, round to nearest even. */
export function float32ToFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}
