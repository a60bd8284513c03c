/** Builds small IR graphs for the ONNX/shape-inference tests (encoded with encodeModel to feed onnxruntime). */
import type { AttrValue, DataType, Dim, Graph, Node, TensorValue } from '../lib/ir/graph';
import { makeTensor } from '../lib/ir/tensor-values';

export function emptyGraph(opset = 17): Graph {
  return {
    name: 'test',
    nodes: [],
    inputs: [],
    outputs: [],
    initializers: new Map(),
    valueInfo: new Map(),
    opset,
    otherOpsets: {},
    producer: 'sparq-test',
    irVersion: 0,
  };
}

type AttrInput = number | string | number[] | string[] | TensorValue | AttrValue;

/** Plain values become attributes: integers → int, other numbers → float, arrays by element kind. Use `f()` to force float. */
export function attrs(values: Record<string, AttrInput>): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'number') out[k] = Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
    else if (typeof v === 'string') out[k] = { kind: 'string', value: v };
    else if (Array.isArray(v)) {
      if (v.length > 0 && typeof v[0] === 'string') out[k] = { kind: 'strings', value: v as string[] };
      else if ((v as number[]).every((x) => Number.isInteger(x))) out[k] = { kind: 'ints', value: v as number[] };
      else out[k] = { kind: 'floats', value: v as number[] };
    } else if ('kind' in v) out[k] = v;
    else out[k] = { kind: 'tensor', value: v };
  }
  return out;
}

export function f(value: number): AttrValue {
  return { kind: 'float', value };
}

export function node(opType: string, inputs: string[], outputs: string[], a: Record<string, AttrInput> = {}, domain = ''): Node {
  return { name: '', opType, domain, inputs, outputs, attrs: attrs(a) };
}

export function addNode(g: Graph, n: Node): Node {
  if (!n.name) n.name = `${n.opType}_${g.nodes.length}`;
  g.nodes.push(n);
  return n;
}

export function input(g: Graph, name: string, type: DataType, shape: Dim[]): void {
  g.inputs.push({ name, type, shape });
}

export function output(g: Graph, name: string, type: DataType, shape: Dim[]): void {
  g.outputs.push({ name, type, shape });
}

export function init(g: Graph, name: string, type: DataType, dims: number[], values: ArrayLike<number | bigint | boolean>): void {
  g.initializers.set(name, makeTensor(type, dims, values));
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomFloats(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}
