/** Builds single-op and small multi-op ONNX models (lib/ir Graph → encodeModel) with seeded random inputs for differential tests. */
import type { AttrValue, DataType, Graph, Node, TensorValue, ValueInfo } from '../../lib/ir/graph';
import { encodeModel } from '../../lib/onnx/encode';
import type { OrtData, OrtValue } from './ort';

/** Deterministic PRNG (mulberry32) so every run feeds the same values. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An input or constant of a model: random (uniform in `range`) unless `values` are given. */
export interface Operand {
  dims: number[];
  type?: DataType; // default float32
  values?: ArrayLike<number | bigint | boolean>;
  /** Uniform range for random values; ints are drawn as integers in [lo, hi]. Default [-1, 1] (ints [-5, 5]). */
  range?: [number, number];
  /** Stored as an initializer instead of a graph input. */
  constant?: boolean;
  /** Name of the value (default in0, in1, ... by position). */
  name?: string;
}

export const attr = {
  i: (value: number): AttrValue => ({ kind: 'int', value }),
  f: (value: number): AttrValue => ({ kind: 'float', value }),
  s: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  t: (value: TensorValue): AttrValue => ({ kind: 'tensor', value }),
};

/** A model plus the feeds to run it with. */
export interface OpModel {
  label: string;
  model: Uint8Array;
  feeds: Record<string, OrtValue>;
  outputs: string[];
}

function arrayFor(type: DataType, n: number): OrtData {
  switch (type) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    default:
      throw new Error(`onnx-models: unsupported operand type ${type}`);
  }
}

/** Materializes an operand's data (random from `next` unless values are given). */
export function operandData(op: Operand, next: () => number): OrtData {
  const type = op.type ?? 'float32';
  const n = op.dims.reduce((a, b) => a * b, 1);
  const data = arrayFor(type, n);
  const isFloat = type === 'float32' || type === 'float64';
  for (let i = 0; i < n; i++) {
    let v: number | bigint | boolean;
    if (op.values) v = op.values[i];
    else if (type === 'bool') v = next() < 0.5;
    else if (isFloat) {
      const [lo, hi] = op.range ?? [-1, 1];
      v = lo + (hi - lo) * next();
    } else {
      const [lo, hi] = op.range ?? [-5, 5];
      v = lo + Math.floor((hi - lo + 1) * next());
    }
    if (data instanceof BigInt64Array) data[i] = BigInt(v as number);
    else (data as Float32Array)[i] = Number(v);
  }
  return data;
}

export interface ModelSpec {
  label: string;
  nodes: { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, AttrValue>; domain?: string }[];
  /** Graph inputs and initializers, by name. */
  operands: (Operand & { name: string })[];
  outputs: { name: string; type: DataType }[];
  opset?: number;
  seed?: number;
}

/** Builds a multi-node model: every operand becomes a graph input (random feed) or an initializer. */
export function buildModel(spec: ModelSpec): OpModel {
  const next = rng(spec.seed ?? 1);
  const inputs: ValueInfo[] = [];
  const initializers = new Map<string, TensorValue>();
  const feeds: Record<string, OrtValue> = {};
  for (const op of spec.operands) {
    const type = op.type ?? 'float32';
    const data = operandData(op, next);
    if (op.constant) {
      initializers.set(op.name, { type, dims: [...op.dims], data: data as TensorValue['data'] });
    } else {
      inputs.push({ name: op.name, type, shape: [...op.dims] });
      feeds[op.name] = { type, dims: [...op.dims], data };
    }
  }
  const nodes: Node[] = spec.nodes.map((n, i) => ({
    name: `${n.op.toLowerCase()}_${i}`,
    opType: n.op,
    domain: n.domain ?? '',
    inputs: n.inputs,
    outputs: n.outputs,
    attrs: n.attrs ?? {},
  }));
  const graph: Graph = {
    name: spec.label.replace(/[^A-Za-z0-9_]/g, '_'),
    nodes,
    inputs,
    outputs: spec.outputs.map((o) => ({ name: o.name, type: o.type, shape: [], shapeUnknown: true })),
    initializers,
    valueInfo: new Map(),
    opset: spec.opset ?? 17,
    otherOpsets: {},
    producer: 'sparq test/support/onnx-models.ts',
    irVersion: 0,
  };
  return { label: spec.label, model: encodeModel(graph), feeds, outputs: spec.outputs.map((o) => o.name) };
}

export interface OpSpec {
  op: string;
  /** Operands by position; null leaves an optional input empty (''). */
  inputs: (Operand | null)[];
  attrs?: Record<string, AttrValue>;
  /** Output element types (default: one output of the first input's type). */
  outputTypes?: DataType[];
  opset?: number;
  /** Appended to the op type in the label. */
  label?: string;
  seed?: number;
}

/** Builds a one-node model `op(in0, in1, ...) -> out0, out1, ...`. */
export function opModel(spec: OpSpec): OpModel {
  const operands: (Operand & { name: string })[] = [];
  const names = spec.inputs.map((op, i) => {
    if (!op) return '';
    const name = op.name ?? `in${i}`;
    operands.push({ ...op, name });
    return name;
  });
  const firstType = spec.inputs.find((x) => x)?.type ?? 'float32';
  const outTypes = spec.outputTypes ?? [firstType];
  const outputs = outTypes.map((type, i) => ({ name: `out${i}`, type }));
  return buildModel({
    label: spec.label ? `${spec.op} ${spec.label}` : spec.op,
    nodes: [{ op: spec.op, inputs: names, outputs: outputs.map((o) => o.name), attrs: spec.attrs }],
    operands,
    outputs,
    opset: spec.opset,
    seed: spec.seed ?? hashLabel(`${spec.op} ${spec.label ?? ''}`),
  });
}

/** A stable seed per label so cases do not share inputs by accident. */
function hashLabel(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Shorthand: a float32 operand of the given dims. */
export const f32 = (dims: number[], range?: [number, number]): Operand => ({ dims, range });
/** Shorthand: a float32 initializer of the given dims. */
export const f32c = (dims: number[], range?: [number, number]): Operand => ({ dims, range, constant: true });
/** Shorthand: an int64 initializer holding `values` (shape [values.length] unless dims given). */
export const i64c = (values: number[], dims?: number[]): Operand => ({
  type: 'int64',
  dims: dims ?? [values.length],
  values,
  constant: true,
});
