/** sparq's internal int8 ops (domain 'sparq'): the native int8 contract (INT8-CONTRACT, native/ops/README.md) as IR nodes. */
import type { AttrValue, DataType, Node } from './graph';

export const INT8_DOMAIN = 'sparq';

/** Every internal int8 op; their attributes are exactly the native op's (scales and zero points as attrs). */
export const INT8_OPS = [
  'QConv',
  'QGemm',
  'QAdd',
  'QMul',
  'QConcat',
  'QMaxPool',
  'QAveragePool',
  'QGlobalAveragePool',
  'QLookup',
  'QuantizeLinear',
  'DequantizeLinear',
] as const;
export type Int8Op = (typeof INT8_OPS)[number];

/**
 * IR-only attribute: the element type of output 0 where the contract lets Y's dtype decide (QConv / QGemm: 'uint8' or
 * 'float32'; QuantizeLinear: 'uint8' or 'int8'). Lowering does not send it: the native op reads its tensor's dtype.
 */
export const OUTPUT_TYPE_ATTR = 'output_type';

/** Activations the QConv / QGemm / QAdd epilogues compute (QAdd: none and relu only). */
export type Int8Activation = 'none' | 'relu' | 'clip' | 'leaky_relu' | 'hard_swish';

export function isInt8Node(node: Node, opType?: Int8Op): boolean {
  if (node.domain !== INT8_DOMAIN || !(INT8_OPS as readonly string[]).includes(node.opType)) return false;
  return opType === undefined || node.opType === opType;
}

/** Element type of an int8 node's first output. */
export function int8OutputType(node: Node): DataType {
  if (node.opType === 'DequantizeLinear') return 'float32';
  const a = node.attrs[OUTPUT_TYPE_ATTR];
  return a && a.kind === 'string' ? (a.value as DataType) : 'uint8';
}

/** Attribute values by kind: scales are always float attrs (even 1.0), zero points and geometry ints. */
export const attr = {
  f: (value: number): AttrValue => ({ kind: 'float', value }),
  fs: (value: number[]): AttrValue => ({ kind: 'floats', value }),
  i: (value: number): AttrValue => ({ kind: 'int', value }),
  is: (value: number[]): AttrValue => ({ kind: 'ints', value }),
  s: (value: string): AttrValue => ({ kind: 'string', value }),
};

export function int8Node(name: string, opType: Int8Op, inputs: string[], outputs: string[], attrs: Record<string, AttrValue>): Node {
  return { name, opType, domain: INT8_DOMAIN, inputs, outputs, attrs };
}
