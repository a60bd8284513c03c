/** The shape rule of every op sparq supports, keyed like SUPPORTED_OPS (internal ops as `domain.op`). */
import type { Node } from '../../ir/graph';
import { broadcastCompare, broadcastSameType, dropout, expand, sameAsInput, sameShapeAs, where } from './broadcast';
import type { ShapeRule } from './context';
import { batchNormalization, conv, convTranspose, globalPool, layerNormalization, pool } from './conv-pool';
import { gemm, matmul } from './linear';
import { argMax, reduce, softmax } from './reduce';
import { flatten, reshape, squeeze, transpose, unsqueeze } from './reshape';
import { convInteger, dequantizeLinear, int8Conv, int8Convert, int8Gemm, matMulInteger, qlinearConv, qlinearMatMul, quantizeLinear } from './quantized';
import { resize } from './resize';
import { concat, gather, pad, slice, split } from './slice-concat';
import { cast, constantOfShape, range, shape, size } from './value-ops';

const UNARY = [
  'Relu', 'LeakyRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu', 'Sqrt', 'Exp', 'Log',
  'Neg', 'Abs', 'Reciprocal', 'Identity', 'Softplus', 'sparq.Silu',
];

export const SHAPE_RULES: Record<string, ShapeRule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, sameAsInput])),
  Not: sameShapeAs('bool'),
  Dropout: dropout,
  Add: broadcastSameType,
  Sub: broadcastSameType,
  Mul: broadcastSameType,
  Div: broadcastSameType,
  Pow: broadcastSameType,
  Min: broadcastSameType,
  Max: broadcastSameType,
  PRelu: broadcastSameType,
  Equal: broadcastCompare,
  Less: broadcastCompare,
  Greater: broadcastCompare,
  Where: where,
  Expand: expand,
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool,
  AveragePool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Gemm: gemm,
  MatMul: matmul,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  Pad: pad,
  Resize: resize,
  Softmax: softmax,
  LogSoftmax: softmax,
  ReduceMean: reduce,
  ReduceSum: reduce,
  ReduceMax: reduce,
  ArgMax: argMax,
  Shape: shape,
  Size: size,
  ConstantOfShape: constantOfShape,
  Range: range,
  Cast: cast,
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  QLinearConv: qlinearConv,
  QLinearMatMul: qlinearMatMul,
  ConvInteger: convInteger,
  MatMulInteger: matMulInteger,
  'sparq.QConv': int8Conv,
  'sparq.QGemm': int8Gemm,
  'sparq.QAdd': broadcastSameType,
  'sparq.QMul': broadcastSameType,
  'sparq.QConcat': concat,
  'sparq.QMaxPool': pool,
  'sparq.QAveragePool': pool,
  'sparq.QGlobalAveragePool': globalPool,
  'sparq.QLookup': sameAsInput,
  'sparq.QuantizeLinear': int8Convert,
  'sparq.DequantizeLinear': int8Convert,
};

/** The rule for a node, or undefined when sparq has none. */
export function shapeRuleOf(node: Node): ShapeRule | undefined {
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  const key = domain === '' ? node.opType : `${domain}.${node.opType}`;
  return Object.prototype.hasOwnProperty.call(SHAPE_RULES, key) ? SHAPE_RULES[key] : undefined;
}
