/** Element reads/writes across dtypes (64-bit ints stay BigInt) and index maps for broadcasting and strided copies. */
import type { DataType, TensorData, TensorValue } from '../graph';
import { allocateData, elementCount, float16BitsToNumber, float32ToFloat16Bits, isBigIntType } from '../tensor-values';

export type Scalar = number | bigint;

/** Reads element i as a number, or a bigint for int64/uint64; bool reads 0/1. */
export function reader(t: TensorValue): (i: number) => Scalar {
  if (t.type === 'string') throw new TypeError('string tensors have no numeric elements');
  if (t.type === 'float16') {
    const d = t.data as Uint16Array;
    return (i) => float16BitsToNumber(d[i]);
  }
  const d = t.data as ArrayLike<Scalar>;
  return (i) => d[i];
}

/** Writes element i, converting a number/bigint/boolean to the element type (typed arrays wrap integers). */
export function writer(type: DataType, data: TensorData): (i: number, v: Scalar | boolean) => void {
  if (isBigIntType(type)) {
    const d = data as BigInt64Array;
    return (i, v) => {
      d[i] = typeof v === 'bigint' ? v : saturatingBigInt(Number(v));
    };
  }
  if (type === 'float16') {
    const d = data as Uint16Array;
    return (i, v) => {
      d[i] = float32ToFloat16Bits(Number(v));
    };
  }
  if (type === 'bool') {
    const d = data as Uint8Array;
    return (i, v) => {
      d[i] = typeof v === 'boolean' ? +v : Number(v) !== 0 ? 1 : 0;
    };
  }
  const d = data as Float64Array;
  const integral = type !== 'float32' && type !== 'float64';
  return (i, v) => {
    if (typeof v === 'bigint') d[i] = Number(integral ? BigInt.asIntN(64, v) : v);
    else d[i] = integral ? Math.trunc(Number(v)) : Number(v);
  };
}

function saturatingBigInt(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 9223372036854775807) return 9223372036854775807n;
  if (v <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(Math.trunc(v));
}

export function newTensor(type: DataType, dims: number[]): TensorValue {
  return { type, dims, data: allocateData(type, elementCount(dims)) };
}

/** Row-major strides. */
export function stridesOf(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/**
 * For every element of an output of shape `outDims`, the source index `base + sum(idx[i] * strides[i])`.
 * Used for broadcasting (stride 0), Transpose (permuted strides) and Slice (scaled strides).
 */
export function stridedIndices(outDims: readonly number[], strides: readonly number[], base = 0): Int32Array | Float64Array {
  const n = elementCount(outDims);
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  const rank = outDims.length;
  const idx = new Array<number>(rank).fill(0);
  let src = base;
  for (let o = 0; o < n; o++) {
    out[o] = src;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += strides[a];
      if (idx[a] < outDims[a]) break;
      src -= strides[a] * idx[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** Source indices of an input of shape `inDims` broadcast to `outDims` (undefined when the shapes are equal). */
export function broadcastIndices(inDims: readonly number[], outDims: readonly number[]): Int32Array | Float64Array | undefined {
  if (inDims.length === outDims.length && inDims.every((d, i) => d === outDims[i])) return undefined;
  const inStrides = stridesOf(inDims);
  const offset = outDims.length - inDims.length;
  const strides = outDims.map((_, i) => {
    const j = i - offset;
    return j < 0 || inDims[j] === 1 ? 0 : inStrides[j];
  });
  return stridedIndices(outDims, strides);
}

/** A tensor whose element i is src[indices[i]] (any dtype, strings included). */
export function gatherElements(src: TensorValue, dims: number[], indices: ArrayLike<number> | undefined): TensorValue {
  if (!indices) return { type: src.type, dims, data: src.type === 'string' ? [...(src.data as string[])] : (src.data as Float32Array).slice() };
  const out = newTensor(src.type, dims);
  const s = src.data as ArrayLike<unknown>;
  const d = out.data as unknown as unknown[];
  for (let i = 0; i < indices.length; i++) d[i] = s[indices[i]];
  return out;
}
