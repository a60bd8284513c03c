/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Per-op shape rules: hand-computed expected shapes, each cross-checked against onnxruntime on a one-node model. */
import type { DataType, Graph, TensorValue } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { specialize } from '../lib/passes/shape-inference';
import { makeTensor } from '../lib/ir/tensor-values';
import { ortEval, OrtValue } from './support/ort';
import { attrs, emptyGraph, f, randomFloats } from './onnx-graph-builder';

const I64_MAX = 9223372036854775807n;

/** [name, type, dims, constant values?] — inputs with values become initializers, the others graph inputs. '' = omitted. */
type In = [string, DataType, number[], (number | bigint | boolean)[]?] | '';

interface Case {
  name: string;
  op: string;
  opset?: number;
  inputs: In[];
  attrs?: Parameters<typeof attrs>[0];
  /** Expected [type, shape] per output, computed by hand. */
  want: [DataType, number[]][];
}

const x = (dims: number[], type: DataType = 'float32'): In => ['x', type, dims];
const c = (name: string, type: DataType, dims: number[], values: (number | bigint | boolean)[]): In => [name, type, dims, values];
const i64 = (name: string, values: (number | bigint)[]): In => c(name, 'int64', [values.length], values.map(BigInt));
const w = (dims: number[]): In => c('w', 'float32', dims, Array.from(randomFloats(dims.reduce((a, b) => a * b, 1), 2)));

const CASES: Case[] = [
  { name: 'Conv pads/strides/dilations', op: 'Conv', inputs: [x([1, 2, 7, 9]), w([4, 2, 3, 3])], attrs: { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2] }, want: [['float32', [1, 4, 4, 7]]] },
  { name: 'Conv SAME_UPPER stride 2', op: 'Conv', inputs: [x([1, 2, 7, 8]), w([3, 2, 3, 3])], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] }, want: [['float32', [1, 3, 4, 4]]] },
  { name: 'Conv SAME_LOWER', op: 'Conv', inputs: [x([1, 2, 7, 8]), w([3, 2, 2, 2])], attrs: { auto_pad: 'SAME_LOWER' }, want: [['float32', [1, 3, 7, 8]]] },
  { name: 'Conv VALID stride 2', op: 'Conv', inputs: [x([1, 2, 7, 8]), w([3, 2, 3, 3])], attrs: { auto_pad: 'VALID', strides: [2, 2] }, want: [['float32', [1, 3, 3, 3]]] },
  { name: 'Conv 1-D grouped with bias', op: 'Conv', inputs: [x([2, 4, 10]), w([6, 2, 3]), c('b', 'float32', [6], [1, 2, 3, 4, 5, 6])], attrs: { group: 2 }, want: [['float32', [2, 6, 8]]] },
  { name: 'Conv depthwise', op: 'Conv', inputs: [x([1, 4, 5, 5]), w([4, 1, 3, 3])], attrs: { group: 4, pads: [1, 1, 1, 1] }, want: [['float32', [1, 4, 5, 5]]] },
  { name: 'ConvTranspose output_padding', op: 'ConvTranspose', inputs: [x([1, 3, 4, 5]), w([3, 2, 3, 3])], attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 0] }, want: [['float32', [1, 2, 8, 9]]] },
  { name: 'ConvTranspose output_shape', op: 'ConvTranspose', inputs: [x([1, 3, 4, 5]), w([3, 2, 3, 3])], attrs: { strides: [2, 2], output_shape: [9, 10] }, want: [['float32', [1, 2, 9, 10]]] },
  { name: 'ConvTranspose grouped dilated', op: 'ConvTranspose', inputs: [x([1, 4, 3, 3]), w([4, 3, 2, 2])], attrs: { group: 2, dilations: [2, 2] }, want: [['float32', [1, 6, 5, 5]]] },
  { name: 'MaxPool ceil_mode', op: 'MaxPool', inputs: [x([1, 1, 6, 6])], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, want: [['float32', [1, 1, 3, 3]]] },
  { name: 'MaxPool ceil_mode drops a window starting in the padding', op: 'MaxPool', inputs: [x([1, 1, 5, 5])], attrs: { kernel_shape: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, want: [['float32', [1, 1, 3, 3]]] },
  { name: 'MaxPool floor', op: 'MaxPool', inputs: [x([1, 1, 6, 6])], attrs: { kernel_shape: [3, 3], strides: [2, 2] }, want: [['float32', [1, 1, 2, 2]]] },
  { name: 'MaxPool dilations', op: 'MaxPool', opset: 12, inputs: [x([1, 1, 8, 8])], attrs: { kernel_shape: [2, 2], dilations: [2, 2] }, want: [['float32', [1, 1, 6, 6]]] },
  { name: 'MaxPool 1-D', op: 'MaxPool', inputs: [x([2, 3, 9])], attrs: { kernel_shape: [3], strides: [3] }, want: [['float32', [2, 3, 3]]] },
  { name: 'AveragePool SAME_UPPER', op: 'AveragePool', inputs: [x([1, 2, 5, 7])], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' }, want: [['float32', [1, 2, 3, 4]]] },
  { name: 'AveragePool ceil pads', op: 'AveragePool', opset: 19, inputs: [x([1, 2, 7, 7])], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 }, want: [['float32', [1, 2, 4, 4]]] },
  { name: 'GlobalAveragePool', op: 'GlobalAveragePool', inputs: [x([2, 3, 5, 7])], want: [['float32', [2, 3, 1, 1]]] },
  { name: 'GlobalMaxPool 1-D', op: 'GlobalMaxPool', inputs: [x([2, 3, 5])], want: [['float32', [2, 3, 1]]] },
  { name: 'BatchNormalization', op: 'BatchNormalization', inputs: [x([2, 3, 4]), c('s', 'float32', [3], [1, 2, 3]), c('b', 'float32', [3], [0, 1, 0]), c('m', 'float32', [3], [0, 0, 1]), c('v', 'float32', [3], [1, 1, 2])], want: [['float32', [2, 3, 4]]] },
  { name: 'Gemm transA transB', op: 'Gemm', inputs: [x([4, 3]), w([5, 4]), c('c', 'float32', [5], [1, 2, 3, 4, 5])], attrs: { transA: 1, transB: 1, alpha: f(0.5) }, want: [['float32', [3, 5]]] },
  { name: 'MatMul 1-D x 2-D', op: 'MatMul', inputs: [x([3]), w([3, 4])], want: [['float32', [4]]] },
  { name: 'MatMul 2-D x 1-D', op: 'MatMul', inputs: [x([2, 3]), w([3])], want: [['float32', [2]]] },
  { name: 'MatMul broadcast batch', op: 'MatMul', inputs: [x([2, 1, 3, 4]), w([5, 4, 6])], want: [['float32', [2, 5, 3, 6]]] },
  { name: 'Flatten axis 2', op: 'Flatten', inputs: [x([2, 3, 4, 5])], attrs: { axis: 2 }, want: [['float32', [6, 20]]] },
  { name: 'Flatten axis -1', op: 'Flatten', inputs: [x([2, 3, 4, 5])], attrs: { axis: -1 }, want: [['float32', [24, 5]]] },
  { name: 'Flatten axis 0', op: 'Flatten', inputs: [x([2, 3, 4])], attrs: { axis: 0 }, want: [['float32', [1, 24]]] },
  { name: 'Reshape 0 and -1', op: 'Reshape', inputs: [x([2, 3, 4]), i64('shape', [4, 0, -1])], want: [['float32', [4, 3, 2]]] },
  { name: 'Reshape allowzero', op: 'Reshape', opset: 14, inputs: [x([0, 3]), i64('shape', [3, 0])], attrs: { allowzero: 1 }, want: [['float32', [3, 0]]] },
  { name: 'Transpose default perm', op: 'Transpose', inputs: [x([2, 3, 4])], want: [['float32', [4, 3, 2]]] },
  { name: 'Transpose perm', op: 'Transpose', inputs: [x([2, 3, 4])], attrs: { perm: [1, 0, 2] }, want: [['float32', [3, 2, 4]]] },
  { name: 'Concat axis -1', op: 'Concat', inputs: [x([2, 3]), c('y', 'float32', [2, 5], Array(10).fill(1))], attrs: { axis: -1 }, want: [['float32', [2, 8]]] },
  { name: 'Split input sizes', op: 'Split', opset: 13, inputs: [x([3, 6]), i64('split', [2, 4])], attrs: { axis: 1 }, want: [['float32', [3, 2]], ['float32', [3, 4]]] },
  { name: 'Split attribute sizes (opset 11)', op: 'Split', opset: 11, inputs: [x([3, 6])], attrs: { axis: -1, split: [1, 5] }, want: [['float32', [3, 1]], ['float32', [3, 5]]] },
  { name: 'Split equal', op: 'Split', opset: 13, inputs: [x([6, 2])], want: [['float32', [2, 2]], ['float32', [2, 2]], ['float32', [2, 2]]] },
  { name: 'Split num_outputs uneven (opset 18)', op: 'Split', opset: 18, inputs: [x([7, 2])], attrs: { num_outputs: 3 }, want: [['float32', [3, 2]], ['float32', [3, 2]], ['float32', [1, 2]]] },
  { name: 'Slice negative starts, clamped ends, steps', op: 'Slice', inputs: [x([10, 8]), i64('starts', [-3, 1]), i64('ends', [I64_MAX, -1]), i64('axes', [0, 1]), i64('steps', [1, 2])], want: [['float32', [3, 3]]] },
  { name: 'Slice negative step', op: 'Slice', inputs: [x([10, 8]), i64('starts', [-1]), i64('ends', [-I64_MAX]), i64('axes', [-1]), i64('steps', [-3])], want: [['float32', [10, 3]]] },
  { name: 'Slice without axes, empty result', op: 'Slice', inputs: [x([4, 5]), i64('starts', [3, 0]), i64('ends', [1, 5])], want: [['float32', [0, 5]]] },
  { name: 'Squeeze attribute (opset 11)', op: 'Squeeze', opset: 11, inputs: [x([2, 1, 3, 1])], attrs: { axes: [1] }, want: [['float32', [2, 3, 1]]] },
  { name: 'Squeeze input axes', op: 'Squeeze', opset: 13, inputs: [x([2, 1, 3, 1]), i64('axes', [-1])], want: [['float32', [2, 1, 3]]] },
  { name: 'Squeeze all ones', op: 'Squeeze', opset: 13, inputs: [x([2, 1, 3, 1])], want: [['float32', [2, 3]]] },
  { name: 'Unsqueeze attribute (opset 11)', op: 'Unsqueeze', opset: 11, inputs: [x([2, 3])], attrs: { axes: [0, 3] }, want: [['float32', [1, 2, 3, 1]]] },
  { name: 'Unsqueeze input axes', op: 'Unsqueeze', opset: 13, inputs: [x([2, 3]), i64('axes', [-1, 1])], want: [['float32', [2, 1, 3, 1]]] },
  { name: 'Gather axis -1', op: 'Gather', inputs: [x([3, 4, 5]), c('idx', 'int64', [2, 2], [0n, 4n, -1n, 2n])], attrs: { axis: -1 }, want: [['float32', [3, 4, 2, 2]]] },
  { name: 'Gather scalar index', op: 'Gather', inputs: [x([3, 4, 5]), c('idx', 'int64', [], [-2n])], attrs: { axis: 1 }, want: [['float32', [3, 5]]] },
  { name: 'Pad input pads', op: 'Pad', opset: 13, inputs: [x([2, 3]), i64('pads', [1, 0, 2, 1])], want: [['float32', [5, 4]]] },
  { name: 'Pad axes (opset 18) reflect', op: 'Pad', opset: 18, inputs: [x([2, 4]), i64('pads', [1, 2]), '', i64('axes', [1])], attrs: { mode: 'reflect' }, want: [['float32', [2, 7]]] },
  { name: 'Pad negative', op: 'Pad', opset: 13, inputs: [x([4, 5]), i64('pads', [-1, 0, 0, -2]), c('v', 'float32', [], [1.5])], want: [['float32', [3, 3]]] },
  { name: 'Resize scales (opset 11)', op: 'Resize', opset: 11, inputs: [x([1, 2, 4, 5]), c('roi', 'float32', [0], []), c('scales', 'float32', [4], [1, 1, 2, 1.5])], attrs: { mode: 'nearest' }, want: [['float32', [1, 2, 8, 7]]] },
  { name: 'Resize sizes linear', op: 'Resize', opset: 13, inputs: [x([1, 2, 4, 5]), '', '', i64('sizes', [1, 2, 7, 3])], attrs: { mode: 'linear' }, want: [['float32', [1, 2, 7, 3]]] },
  { name: 'Resize scales fractional', op: 'Resize', opset: 13, inputs: [x([1, 1, 7, 9]), '', c('scales', 'float32', [4], [1, 1, 0.6, 1.7])], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, want: [['float32', [1, 1, 4, 15]]] },
  { name: 'Resize axes (opset 18)', op: 'Resize', opset: 18, inputs: [x([1, 2, 4, 5]), '', c('scales', 'float32', [2], [2, 3])], attrs: { axes: [2, 3] }, want: [['float32', [1, 2, 8, 15]]] },
  { name: 'Softmax pre-13 default axis', op: 'Softmax', opset: 11, inputs: [x([2, 3, 4])], want: [['float32', [2, 3, 4]]] },
  { name: 'LogSoftmax axis', op: 'LogSoftmax', opset: 13, inputs: [x([2, 3, 4])], attrs: { axis: 1 }, want: [['float32', [2, 3, 4]]] },
  { name: 'ReduceMean attribute axes', op: 'ReduceMean', opset: 13, inputs: [x([2, 3, 4])], attrs: { axes: [1], keepdims: 0 }, want: [['float32', [2, 4]]] },
  { name: 'ReduceSum input axes (opset 13)', op: 'ReduceSum', opset: 13, inputs: [x([2, 3, 4]), i64('axes', [-1])], want: [['float32', [2, 3, 1]]] },
  { name: 'ReduceSum no axes = all', op: 'ReduceSum', opset: 13, inputs: [x([2, 3, 4])], attrs: { keepdims: 0 }, want: [['float32', []]] },
  // onnxruntime 1.23 fails noop_with_empty_axes when the axes input is omitted; an explicit empty axes tensor works.
  { name: 'ReduceSum noop_with_empty_axes', op: 'ReduceSum', opset: 13, inputs: [x([2, 3, 4]), i64('axes', [])], attrs: { noop_with_empty_axes: 1 }, want: [['float32', [2, 3, 4]]] },
  { name: 'ReduceMax no axes keepdims (opset 18)', op: 'ReduceMax', opset: 18, inputs: [x([2, 3, 4])], want: [['float32', [1, 1, 1]]] },
  { name: 'ReduceMean input axes (opset 18)', op: 'ReduceMean', opset: 18, inputs: [x([2, 3, 4]), i64('axes', [0, 2])], attrs: { keepdims: 0 }, want: [['float32', [3]]] },
  { name: 'ArgMax keepdims 0', op: 'ArgMax', inputs: [x([2, 3, 4])], attrs: { axis: 1, keepdims: 0 }, want: [['int64', [2, 4]]] },
  { name: 'ArgMax keepdims default', op: 'ArgMax', inputs: [x([2, 3, 4])], attrs: { axis: -1 }, want: [['int64', [2, 3, 1]]] },
  { name: 'LayerNormalization', op: 'LayerNormalization', opset: 17, inputs: [x([2, 3, 4]), c('s', 'float32', [4], [1, 2, 3, 4]), c('b', 'float32', [4], [0, 0, 1, 1])], want: [['float32', [2, 3, 4]]] },
  { name: 'Expand', op: 'Expand', inputs: [x([3, 1]), i64('shape', [2, 1, 4])], want: [['float32', [2, 3, 4]]] },
  { name: 'Where', op: 'Where', inputs: [c('cond', 'bool', [2, 1], [true, false]), x([1, 3]), c('y', 'float32', [], [7])], want: [['float32', [2, 3]]] },
  { name: 'Equal int64', op: 'Equal', inputs: [x([2, 3], 'int64'), i64('b', [1, 2, 3])], want: [['bool', [2, 3]]] },
  { name: 'Less float', op: 'Less', inputs: [x([4, 1]), c('b', 'float32', [3], [0, 0.5, -0.5])], want: [['bool', [4, 3]]] },
  { name: 'Greater', op: 'Greater', inputs: [x([2, 3]), c('b', 'float32', [1], [0])], want: [['bool', [2, 3]]] },
  { name: 'Not', op: 'Not', inputs: [x([2, 3], 'bool')], want: [['bool', [2, 3]]] },
  { name: 'Cast to int32', op: 'Cast', inputs: [x([2, 3])], attrs: { to: 6 }, want: [['int32', [2, 3]]] },
  { name: 'Range int64', op: 'Range', inputs: [c('s', 'int64', [], [1n]), c('l', 'int64', [], [10n]), c('d', 'int64', [], [3n])], want: [['int64', [3]]] },
  { name: 'Range float', op: 'Range', inputs: [c('s', 'float32', [], [0]), c('l', 'float32', [], [1]), c('d', 'float32', [], [0.3])], want: [['float32', [4]]] },
  { name: 'ConstantOfShape int64', op: 'ConstantOfShape', inputs: [i64('shape', [2, 3])], attrs: { value: makeTensor('int64', [1], [7n]) }, want: [['int64', [2, 3]]] },
  { name: 'Shape start/end (opset 15)', op: 'Shape', opset: 15, inputs: [x([2, 3, 4, 5])], attrs: { start: 1, end: -1 }, want: [['int64', [2]]] },
  { name: 'Size', op: 'Size', inputs: [x([2, 3, 4])], want: [['int64', []]] },
  { name: 'Min variadic', op: 'Min', inputs: [x([2, 1]), c('b', 'float32', [3], [0, 1, 2]), c('c', 'float32', [1, 1], [0.5])], want: [['float32', [2, 3]]] },
  { name: 'Max', op: 'Max', inputs: [x([2, 3]), c('b', 'float32', [2, 1], [0, 1])], want: [['float32', [2, 3]]] },
  { name: 'Pow', op: 'Pow', inputs: [x([2, 3]), c('e', 'float32', [], [2])], want: [['float32', [2, 3]]] },
  { name: 'PRelu', op: 'PRelu', inputs: [x([2, 3, 4, 4]), c('slope', 'float32', [3, 1, 1], [0.1, 0.2, 0.3])], want: [['float32', [2, 3, 4, 4]]] },
  { name: 'Clip with inputs', op: 'Clip', opset: 13, inputs: [x([2, 3]), c('lo', 'float32', [], [-0.5]), '' ], want: [['float32', [2, 3]]] },
  { name: 'Gelu (opset 20)', op: 'Gelu', opset: 20, inputs: [x([2, 3])], attrs: { approximate: 'tanh' }, want: [['float32', [2, 3]]] },
  { name: 'HardSwish', op: 'HardSwish', inputs: [x([2, 3])], want: [['float32', [2, 3]]] },
  { name: 'Dropout with mask', op: 'Dropout', opset: 13, inputs: [x([2, 3])], want: [['float32', [2, 3]], ['bool', [2, 3]]] },
  { name: 'MaxPool with Indices', op: 'MaxPool', opset: 12, inputs: [x([1, 2, 5, 5])], attrs: { kernel_shape: [2, 2], strides: [2, 2] }, want: [['float32', [1, 2, 2, 2]], ['int64', [1, 2, 2, 2]]] },
  { name: 'LayerNormalization with Mean/InvStdDev', op: 'LayerNormalization', opset: 17, inputs: [x([2, 3, 4]), c('s', 'float32', [3, 4], Array(12).fill(1))], attrs: { axis: 1 }, want: [['float32', [2, 3, 4]], ['float32', [2, 1, 1]], ['float32', [2, 1, 1]]] },
  { name: 'Resize sizes with empty scales (opset 11)', op: 'Resize', opset: 11, inputs: [x([1, 2, 4, 5]), c('roi', 'float32', [0], []), c('scales', 'float32', [0], []), i64('sizes', [1, 2, 3, 9])], want: [['float32', [1, 2, 3, 9]]] },
  { name: 'Identity int64', op: 'Identity', inputs: [x([4], 'int64')], want: [['int64', [4]]] },
  // int8 ops: shape rules exist ahead of their listing as supported.
  { name: 'QuantizeLinear uint8', op: 'QuantizeLinear', opset: 13, inputs: [x([2, 3]), c('s', 'float32', [], [0.1]), c('z', 'uint8', [], [128])], want: [['uint8', [2, 3]]] },
  { name: 'QuantizeLinear int8 per-axis', op: 'QuantizeLinear', opset: 13, inputs: [x([2, 3]), c('s', 'float32', [3], [0.1, 0.2, 0.3]), c('z', 'int8', [3], [0, 1, -1])], attrs: { axis: 1 }, want: [['int8', [2, 3]]] },
  { name: 'DequantizeLinear', op: 'DequantizeLinear', opset: 13, inputs: [x([2, 3], 'int8'), c('s', 'float32', [], [0.1]), c('z', 'int8', [], [3])], want: [['float32', [2, 3]]] },
  {
    name: 'QLinearConv', op: 'QLinearConv', inputs: [
      x([1, 2, 5, 5], 'uint8'), c('xs', 'float32', [], [0.05]), c('xz', 'uint8', [], [128]),
      c('w', 'int8', [3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => (i % 7) - 3)), c('ws', 'float32', [], [0.01]), c('wz', 'int8', [], [0]),
      c('ys', 'float32', [], [0.1]), c('yz', 'uint8', [], [100]), c('b', 'int32', [3], [1, -2, 3]),
    ], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] }, want: [['uint8', [1, 3, 3, 3]]],
  },
  {
    name: 'QLinearMatMul', op: 'QLinearMatMul', inputs: [
      x([2, 3], 'uint8'), c('as', 'float32', [], [0.05]), c('az', 'uint8', [], [128]),
      c('b', 'uint8', [3, 4], Array.from({ length: 12 }, (_, i) => i * 9)), c('bs', 'float32', [], [0.02]), c('bz', 'uint8', [], [60]),
      c('ys', 'float32', [], [0.1]), c('yz', 'uint8', [], [10]),
    ], want: [['uint8', [2, 4]]],
  },
  { name: 'ConvInteger', op: 'ConvInteger', inputs: [x([1, 2, 5, 5], 'uint8'), c('w', 'uint8', [3, 2, 3, 3], Array.from({ length: 54 }, (_, i) => i)), c('xz', 'uint8', [], [5])], want: [['int32', [1, 3, 3, 3]]] },
  { name: 'MatMulInteger', op: 'MatMulInteger', inputs: [x([2, 3], 'uint8'), c('b', 'int8', [3, 4], Array.from({ length: 12 }, (_, i) => i - 6))], want: [['int32', [2, 4]]] },
];

function buildGraph(cs: Case): Graph {
  const g = emptyGraph(cs.opset ?? 17);
  const inputNames: string[] = [];
  for (const input of cs.inputs) {
    if (input === '') {
      inputNames.push('');
      continue;
    }
    const [name, type, dims, values] = input;
    inputNames.push(name);
    if (values) g.initializers.set(name, makeTensor(type, dims, values));
    else g.inputs.push({ name, type, shape: dims });
  }
  const outputs = cs.want.map((_, i) => `out${i}`);
  g.nodes.push({ name: `${cs.op}_node`, opType: cs.op, domain: '', inputs: inputNames, outputs, attrs: attrs(cs.attrs ?? {}) });
  cs.want.forEach(([type], i) => g.outputs.push({ name: outputs[i], type, shape: [] , shapeUnknown: true }));
  return g;
}

function randomFeed(type: DataType, dims: number[], seed: number): OrtValue {
  const n = dims.reduce((a, b) => a * b, 1);
  const floats = randomFloats(n, seed);
  const t: TensorValue = makeTensor(type, dims, Array.from(floats, (v) => (type === 'float32' ? v : type === 'bool' ? v > 0 : Math.round(v * 3))));
  return { type, dims, data: t.data as OrtValue['data'] };
}

describe.each(CASES)('$name', (cs) => {
  test('specialize gives the hand-computed shapes and onnxruntime agrees', async () => {
    const g = buildGraph(cs);
    const s = specialize(g, new Map(g.inputs.map((v) => [v.name, v.shape as number[]])));
    const got = s.outputs.map((o) => [o.type, o.shape]);
    expect(got).toEqual(cs.want);
    const feeds: Record<string, OrtValue> = {};
    g.inputs.forEach((v, i) => (feeds[v.name] = randomFeed(v.type, v.shape as number[], 10 + i)));
    const ort = await ortEval(encodeModel(g), feeds);
    const ortShapes = s.outputs.map((o) => [ort[o.name].type, ort[o.name].dims]);
    expect(ortShapes).toEqual(cs.want);
  });
});
