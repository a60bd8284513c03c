/** Reference element-wise ops for constant folding: arithmetic, comparisons, Where, Not, Neg, Sqrt, Reciprocal, Expand. */
import type { DataType, TensorValue } from '../graph';
import { isBigIntType, isFloatType } from '../tensor-values';
import { broadcastIndices, gatherElements, newTensor, reader, Scalar, writer } from './element-access';

type Binary = (a: Scalar, b: Scalar) => Scalar | boolean;

/** Applies `fn` over broadcast inputs; the output has `outType` and `outDims` (from the shape rule). */
function mapBroadcast(inputs: TensorValue[], outType: DataType, outDims: number[], fn: (v: Scalar[]) => Scalar | boolean): TensorValue {
  const out = newTensor(outType, outDims);
  const maps = inputs.map((t) => broadcastIndices(t.dims, outDims));
  const reads = inputs.map(reader);
  const write = writer(outType, out.data);
  const n = out.data.length;
  const vals = new Array<Scalar>(inputs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < inputs.length; k++) vals[k] = reads[k](maps[k] ? maps[k]![i] : i);
    write(i, fn(vals));
  }
  return out;
}

/** Number-typed arithmetic for int types narrower than 64 bits: exact products via imul for 32-bit types. */
function arithmetic(op: string, type: DataType): Binary | undefined {
  const big = isBigIntType(type);
  const float = isFloatType(type);
  if (type === 'bool' || type === 'string') return undefined;
  switch (op) {
    case 'Add':
      return (a, b) => (a as number) + (b as number);
    case 'Sub':
      return (a, b) => (a as number) - (b as number);
    case 'Mul':
      if (!big && !float && (type === 'int32' || type === 'uint32')) return (a, b) => Math.imul(a as number, b as number);
      return (a, b) => (a as number) * (b as number);
    case 'Div':
      if (float) return (a, b) => (a as number) / (b as number);
      // Integer division truncates toward zero; division by zero gives 0 like the native executor.
      if (big) return (a, b) => ((b as bigint) === 0n ? 0n : (a as bigint) / (b as bigint));
      return (a, b) => ((b as number) === 0 ? 0 : Math.trunc((a as number) / (b as number)));
    case 'Min':
      return (a, b) => (a < b || a !== a ? a : b);
    case 'Max':
      return (a, b) => (a > b || a !== a ? a : b);
    default:
      return undefined;
  }
}

/** Add, Sub, Mul, Div, Min, Max (variadic Min/Max fold pairwise left to right). */
export function evaluateArithmetic(op: string, inputs: TensorValue[], outDims: number[]): TensorValue | undefined {
  const type = inputs[0].type;
  if (inputs.some((t) => t.type !== type)) return undefined;
  const fn = arithmetic(op, type);
  if (!fn) return undefined;
  if (inputs.length === 1) return gatherElements(inputs[0], outDims, broadcastIndices(inputs[0].dims, outDims));
  return mapBroadcast(inputs, type, outDims, (v) => {
    let acc = v[0];
    for (let k = 1; k < v.length; k++) acc = fn(acc, v[k]) as Scalar;
    return acc;
  });
}

export function evaluateCompare(op: string, inputs: TensorValue[], outDims: number[]): TensorValue | undefined {
  if (inputs[0].type !== inputs[1].type || inputs[0].type === 'string') return undefined;
  const fn: Binary = op === 'Equal' ? (a, b) => a === b : op === 'Less' ? (a, b) => a < b : (a, b) => a > b;
  return mapBroadcast(inputs, 'bool', outDims, (v) => fn(v[0], v[1]));
}

export function evaluateWhere(inputs: TensorValue[], outDims: number[]): TensorValue | undefined {
  const [cond, x, y] = inputs;
  if (x.type !== y.type || x.type === 'string') return undefined;
  return mapBroadcast(inputs, x.type, outDims, (v) => (Number(v[0]) !== 0 ? v[1] : v[2]));
}

export function evaluateUnary(op: string, x: TensorValue): TensorValue | undefined {
  if (x.type === 'string') return undefined;
  let fn: (a: Scalar) => Scalar | boolean;
  switch (op) {
    case 'Not':
      if (x.type !== 'bool') return undefined;
      fn = (a) => Number(a) === 0;
      break;
    case 'Neg':
      fn = (a) => (typeof a === 'bigint' ? -a : -a);
      break;
    case 'Sqrt':
      if (!isFloatType(x.type)) return undefined;
      fn = (a) => Math.sqrt(a as number);
      break;
    case 'Reciprocal':
      if (!isFloatType(x.type)) return undefined;
      fn = (a) => 1 / (a as number);
      break;
    default:
      return undefined;
  }
  return mapBroadcast([x], x.type, [...x.dims], (v) => fn(v[0]));
}

export function evaluateExpand(x: TensorValue, outDims: number[]): TensorValue {
  return gatherElements(x, outDims, broadcastIndices(x.dims, outDims) ?? undefined);
}
