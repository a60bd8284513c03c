/** IR graph <-> the JSON stored in a .sparq file's metadata; tensor data goes to blobs, referenced by index. */
import { ModelFormatError } from '../errors';
import type { AttrValue, DataType, Dim, Graph, Node, TensorData, TensorValue, ValueInfo } from '../ir/graph';

/** A tensor in JSON: its blob index, or the strings themselves for string tensors. */
export interface TensorRef {
  type: DataType;
  dims: number[];
  blob?: number;
  strings?: string[];
}

export type AttrJson =
  | { kind: 'float' | 'int'; value: number | string }
  | { kind: 'floats' | 'ints'; value: (number | string)[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorRef }
  | { kind: 'graph'; value: GraphJson };

export interface NodeJson {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrJson>;
}

export interface GraphJson {
  name: string;
  nodes: NodeJson[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: [string, TensorRef][];
  valueInfo: ValueInfo[];
  opset: number;
  otherOpsets: Record<string, number>;
  producer: string;
  irVersion: number;
}

/** JSON has no NaN, Infinity or -0: those travel as strings so attributes come back bit for bit. */
function encodeNumber(v: number): number | string {
  if (Object.is(v, -0) || !Number.isFinite(v)) return Object.is(v, -0) ? '-0' : String(v);
  return v;
}

const NUMBER_STRINGS = new Set(['-0', 'NaN', 'Infinity', '-Infinity']);

function decodeNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMBER_STRINGS.has(v)) return Number(v);
  throw bad('a number', where, v);
}

function bad(what: string, where: string, value: unknown): ModelFormatError {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : Array.isArray(value) ? 'an array' : String(value);
  return new ModelFormatError(`Expected ${what} for ${where} in the .sparq metadata but received ${shown}`);
}

/** Writes tensors out (the blob table is the writer's); returns the reference to store in JSON. */
export type TensorSink = (t: TensorValue) => TensorRef;
/** Turns a reference back into a tensor (the reader's blob table). */
export type TensorSource = (ref: unknown, where: string) => TensorValue;

function encodeAttr(a: AttrValue, sink: TensorSink): AttrJson {
  switch (a.kind) {
    case 'float':
    case 'int':
      return { kind: a.kind, value: encodeNumber(a.value) };
    case 'floats':
    case 'ints':
      return { kind: a.kind, value: a.value.map(encodeNumber) };
    case 'string':
      return { kind: a.kind, value: a.value };
    case 'strings':
      return { kind: a.kind, value: [...a.value] };
    case 'tensor':
      return { kind: a.kind, value: sink(a.value) };
    case 'graph':
      return { kind: a.kind, value: encodeGraph(a.value, sink) };
  }
}

export function encodeGraph(g: Graph, sink: TensorSink): GraphJson {
  return {
    name: g.name,
    nodes: g.nodes.map((n) => {
      const attrs: Record<string, AttrJson> = {};
      for (const [k, v] of Object.entries(n.attrs)) attrs[k] = encodeAttr(v, sink);
      return { name: n.name, opType: n.opType, domain: n.domain, inputs: n.inputs, outputs: n.outputs, attrs };
    }),
    inputs: g.inputs,
    outputs: g.outputs,
    initializers: [...g.initializers].map(([name, t]) => [name, sink(t)]),
    valueInfo: [...g.valueInfo.values()],
    opset: g.opset,
    otherOpsets: g.otherOpsets,
    producer: g.producer,
    irVersion: g.irVersion,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw bad('a string', where, v);
  return v;
}

function int(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('an integer', where, v);
  return v;
}

function strings(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) throw bad('an array of strings', where, v);
  return v.map((s, i) => str(s, `${where}[${i}]`));
}

function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw bad('an array', where, v);
  return v;
}

function decodeValueInfo(v: unknown, where: string): ValueInfo {
  if (!isObject(v)) throw bad('a value description', where, v);
  const shape = array(v.shape, `${where}.shape`).map((d, i): Dim => {
    if (d === null || typeof d === 'string' || (typeof d === 'number' && Number.isInteger(d))) return d as Dim;
    throw bad('a dimension', `${where}.shape[${i}]`, d);
  });
  const out: ValueInfo = { name: str(v.name, `${where}.name`), type: str(v.type, `${where}.type`) as DataType, shape };
  if (v.shapeUnknown === true) out.shapeUnknown = true;
  return out;
}

function decodeAttr(a: unknown, where: string, source: TensorSource): AttrValue {
  if (!isObject(a)) throw bad('an attribute', where, a);
  switch (a.kind) {
    case 'float':
    case 'int':
      return { kind: a.kind, value: decodeNumber(a.value, where) };
    case 'floats':
    case 'ints':
      return { kind: a.kind, value: array(a.value, where).map((x, i) => decodeNumber(x, `${where}[${i}]`)) };
    case 'string':
      return { kind: 'string', value: str(a.value, where) };
    case 'strings':
      return { kind: 'strings', value: strings(a.value, where) };
    case 'tensor':
      return { kind: 'tensor', value: source(a.value, where) };
    case 'graph':
      return { kind: 'graph', value: decodeGraph(a.value, where, source) };
    default:
      throw bad('an attribute kind', `${where}.kind`, a.kind);
  }
}

function decodeNode(n: unknown, where: string, source: TensorSource): Node {
  if (!isObject(n)) throw bad('a node', where, n);
  if (!isObject(n.attrs)) throw bad('an attribute map', `${where}.attrs`, n.attrs);
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(n.attrs)) attrs[k] = decodeAttr(v, `${where}.attrs.${k}`, source);
  return {
    name: str(n.name, `${where}.name`),
    opType: str(n.opType, `${where}.opType`),
    domain: str(n.domain, `${where}.domain`),
    inputs: strings(n.inputs, `${where}.inputs`),
    outputs: strings(n.outputs, `${where}.outputs`),
    attrs,
  };
}

export function decodeGraph(g: unknown, where: string, source: TensorSource): Graph {
  if (!isObject(g)) throw bad('a graph', where, g);
  const initializers = new Map<string, TensorValue>();
  array(g.initializers, `${where}.initializers`).forEach((entry, i) => {
    const at = `${where}.initializers[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2) throw bad('a [name, tensor] pair', at, entry);
    initializers.set(str(entry[0], at), source(entry[1], at));
  });
  const valueInfo = new Map<string, ValueInfo>();
  array(g.valueInfo, `${where}.valueInfo`).forEach((v, i) => {
    const info = decodeValueInfo(v, `${where}.valueInfo[${i}]`);
    valueInfo.set(info.name, info);
  });
  if (!isObject(g.otherOpsets)) throw bad('an opset map', `${where}.otherOpsets`, g.otherOpsets);
  const otherOpsets: Record<string, number> = {};
  for (const [k, v] of Object.entries(g.otherOpsets)) otherOpsets[k] = int(v, `${where}.otherOpsets.${k}`);
  return {
    name: str(g.name, `${where}.name`),
    nodes: array(g.nodes, `${where}.nodes`).map((n, i) => decodeNode(n, `${where}.nodes[${i}]`, source)),
    inputs: array(g.inputs, `${where}.inputs`).map((v, i) => decodeValueInfo(v, `${where}.inputs[${i}]`)),
    outputs: array(g.outputs, `${where}.outputs`).map((v, i) => decodeValueInfo(v, `${where}.outputs[${i}]`)),
    initializers,
    valueInfo,
    opset: int(g.opset, `${where}.opset`),
    otherOpsets,
    producer: str(g.producer, `${where}.producer`),
    irVersion: int(g.irVersion, `${where}.irVersion`),
  };
}

/** Typed-array constructors of every non-string IR type. */
export const ARRAY_OF_DATA_TYPE: Record<Exclude<DataType, 'string'>, { new (buffer: ArrayBuffer, offset: number, length: number): TensorData; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};
