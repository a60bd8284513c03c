/** Reference shape-producing and fill ops for folding: Shape, Size, ConstantOfShape, Range, Cast. */
import type { DataType, TensorValue } from '../graph';
import { isBigIntType, makeTensor, toBigInts, toNumbers } from '../tensor-values';
import { newTensor, reader, writer } from './element-access';

/** Shape's output for an input of shape `dims` and the window [start, end). */
export function shapeTensor(dims: readonly number[], start: number, end: number): TensorValue {
  const d = dims.slice(start, end);
  return makeTensor('int64', [d.length], d);
}

export function sizeTensor(dims: readonly number[]): TensorValue {
  return makeTensor('int64', [], [dims.reduce((a, b) => a * b, 1)]);
}

export function evaluateConstantOfShape(value: TensorValue | undefined, outDims: number[]): TensorValue {
  const fill = value ?? makeTensor('float32', [1], [0]);
  const out = newTensor(fill.type, outDims);
  if (fill.type === 'string') {
    (out.data as string[]).fill((fill.data as string[])[0]);
    return out;
  }
  const v = reader(fill)(0);
  const write = writer(fill.type, out.data);
  for (let i = 0; i < out.data.length; i++) write(i, v);
  return out;
}

export function evaluateRange(start: TensorValue, delta: TensorValue, count: number): TensorValue {
  const type = start.type;
  if (isBigIntType(type)) {
    const s = toBigInts(start)[0];
    const d = toBigInts(delta)[0];
    return makeTensor(type, [count], Array.from({ length: count }, (_, i) => s + BigInt(i) * d));
  }
  const s = toNumbers(start)[0];
  const d = toNumbers(delta)[0];
  return makeTensor(type, [count], Array.from({ length: count }, (_, i) => s + i * d));
}

/** Cast with C semantics: float → int truncates toward zero (NaN → 0), → bool is `!= 0`, ints wrap. */
export function evaluateCast(x: TensorValue, to: DataType): TensorValue | undefined {
  if (x.type === 'string' || to === 'string') return undefined;
  const out = newTensor(to, [...x.dims]);
  const read = reader(x);
  const write = writer(to, out.data);
  for (let i = 0; i < x.data.length; i++) write(i, read(i));
  return out;
}
