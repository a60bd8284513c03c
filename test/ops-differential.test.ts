/**
 * Every ONNX op of native/ops/README.md's source list vs onnxruntime-node, on seeded inputs, at every ISA level.
 * @jest-environment ./test/support/ort-environment.js
 */
import { attr, buildModel, opModel, f32, f32c, i64c, OpModel, Operand } from './support/onnx-models';
import { expectClose, ortEval, OrtValue } from './support/ort';
import { isaLevels, sparqEval } from './support/sparq-run';

const { i, f, s, ints, floats } = attr;
const X4 = [2, 3, 5, 7];

/** Float operand that is a graph input. */
const x = (dims: number[], range?: [number, number]): Operand => f32(dims, range);
const typed = (type: 'int64' | 'int32' | 'bool', dims: number[], range?: [number, number]): Operand => ({ type, dims, range });
/** Float values drawn from a small set so Equal/ArgMax ties happen. */
const coarse = (dims: number[], constant = false): Operand => {
  const n = dims.reduce((a, b) => a * b, 1);
  return { dims, constant, values: Array.from({ length: n }, (_, k) => ((k * 7 + 3) % 5) - 2) };
};

const cases: OpModel[] = [];
const add = (m: OpModel) => cases.push(m);

// ---- Conv ---------------------------------------------------------------------------------
add(opModel({ op: 'Conv', label: '3x3 pad 1 bias', inputs: [x([1, 3, 8, 8]), f32c([4, 3, 3, 3]), f32c([4])], attrs: { pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'Conv', label: 'stride 2 odd sizes batch 2 no bias', inputs: [x([2, 5, 9, 7]), f32c([6, 5, 3, 3])], attrs: { strides: ints([2, 2]) } }));
add(opModel({ op: 'Conv', label: 'groups 2', inputs: [x([1, 4, 7, 7]), f32c([6, 2, 3, 3]), f32c([6])], attrs: { group: i(2), pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'Conv', label: 'depthwise 3x3', inputs: [x([2, 8, 10, 10]), f32c([8, 1, 3, 3]), f32c([8])], attrs: { group: i(8), pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'Conv', label: 'depthwise stride 2 dilation 2', inputs: [x([1, 12, 11, 9]), f32c([12, 1, 3, 3])], attrs: { group: i(12), strides: ints([2, 2]), dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) } }));
add(opModel({ op: 'Conv', label: 'depthwise 5x5 channel multiplier 2', inputs: [x([1, 3, 9, 9]), f32c([6, 1, 5, 5]), f32c([6])], attrs: { group: i(3), pads: ints([2, 2, 2, 2]) } }));
add(opModel({ op: 'Conv', label: 'dilations 2', inputs: [x([1, 3, 11, 11]), f32c([4, 3, 3, 3])], attrs: { dilations: ints([2, 2]) } }));
add(opModel({ op: 'Conv', label: 'asymmetric pads 5x3 kernel', inputs: [x([1, 2, 8, 9]), f32c([3, 2, 5, 3])], attrs: { pads: ints([0, 1, 2, 0]) } }));
add(opModel({ op: 'Conv', label: 'auto_pad SAME_UPPER stride 2', inputs: [x([1, 3, 9, 8]), f32c([4, 3, 3, 3])], attrs: { auto_pad: s('SAME_UPPER'), strides: ints([2, 2]) } }));
add(opModel({ op: 'Conv', label: 'auto_pad SAME_LOWER stride 2', inputs: [x([1, 3, 9, 8]), f32c([4, 3, 4, 4])], attrs: { auto_pad: s('SAME_LOWER'), strides: ints([2, 2]) } }));
add(opModel({ op: 'Conv', label: 'auto_pad VALID', inputs: [x([2, 3, 7, 6]), f32c([5, 3, 3, 2])], attrs: { auto_pad: s('VALID') } }));
add(opModel({ op: 'Conv', label: '1x1 pointwise', inputs: [x([2, 16, 5, 5]), f32c([8, 16, 1, 1]), f32c([8])] }));
add(opModel({ op: 'Conv', label: '1x1 stride 2', inputs: [x([1, 8, 9, 9]), f32c([12, 8, 1, 1])], attrs: { strides: ints([2, 2]) } }));
add(opModel({ op: 'Conv', label: 'wide 32->48 channels', inputs: [x([1, 32, 6, 6]), f32c([48, 32, 3, 3]), f32c([48])], attrs: { pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'Conv', label: '1-D', inputs: [x([2, 3, 10]), f32c([4, 3, 3]), f32c([4])], attrs: { pads: ints([1, 1]) } }));
add(opModel({ op: 'Conv', label: '1x1 spatial input', inputs: [x([2, 7, 1, 1]), f32c([5, 7, 1, 1]), f32c([5])] }));
add(opModel({ op: 'Conv', label: 'stem 7x7 stride 2 pad 3', inputs: [x([1, 3, 20, 20]), f32c([8, 3, 7, 7])], attrs: { strides: ints([2, 2]), pads: ints([3, 3, 3, 3]) } }));

// ---- ConvTranspose ------------------------------------------------------------------------
add(opModel({ op: 'ConvTranspose', label: '2x2 stride 2 bias', inputs: [x([2, 6, 4, 4]), f32c([6, 3, 2, 2]), f32c([3])], attrs: { strides: ints([2, 2]) } }));
add(opModel({ op: 'ConvTranspose', label: '3x3 stride 2 pads 1 output_padding 1', inputs: [x([1, 4, 5, 5]), f32c([4, 3, 3, 3])], attrs: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) } }));
add(opModel({ op: 'ConvTranspose', label: 'stride 1 pads 1', inputs: [x([1, 3, 6, 5]), f32c([3, 4, 3, 3]), f32c([4])], attrs: { pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'ConvTranspose', label: 'groups 2', inputs: [x([1, 4, 5, 5]), f32c([4, 2, 3, 3]), f32c([4])], attrs: { group: i(2), strides: ints([2, 2]) } }));
add(opModel({ op: 'ConvTranspose', label: 'dilations 2', inputs: [x([1, 2, 4, 4]), f32c([2, 3, 3, 3])], attrs: { dilations: ints([2, 2]) } }));

// ---- BatchNormalization -------------------------------------------------------------------
add(opModel({ op: 'BatchNormalization', label: 'NCHW', inputs: [x(X4), f32c([3]), f32c([3]), f32c([3]), f32c([3], [0.5, 2])], attrs: { epsilon: f(1e-3) } }));
add(opModel({ op: 'BatchNormalization', label: '2-D input', inputs: [x([4, 5]), f32c([5]), f32c([5]), f32c([5]), f32c([5], [0.5, 2])] }));

// ---- unary activations and math -----------------------------------------------------------
for (const dims of [X4, [17], [1]]) {
  const label = `[${dims.join(',')}]`;
  add(opModel({ op: 'Relu', label, inputs: [x(dims)] }));
  add(opModel({ op: 'Sigmoid', label, inputs: [x(dims, [-6, 6])] }));
  add(opModel({ op: 'Tanh', label, inputs: [x(dims, [-4, 4])] }));
  add(opModel({ op: 'Erf', label, inputs: [x(dims, [-3, 3])] }));
  add(opModel({ op: 'Sqrt', label, inputs: [x(dims, [0, 4])] }));
  add(opModel({ op: 'Exp', label, inputs: [x(dims, [-4, 4])] }));
  add(opModel({ op: 'Log', label, inputs: [x(dims, [0.01, 5])] }));
  add(opModel({ op: 'Reciprocal', label, inputs: [x(dims, [0.25, 4])] }));
  add(opModel({ op: 'Neg', label, inputs: [x(dims)] }));
  add(opModel({ op: 'Abs', label, inputs: [x(dims)] }));
  add(opModel({ op: 'HardSwish', label, inputs: [x(dims, [-5, 5])] }));
  add(opModel({ op: 'HardSigmoid', label, inputs: [x(dims, [-5, 5])] }));
}
add(opModel({ op: 'Neg', label: 'int64', inputs: [typed('int64', [3, 4])] }));
add(opModel({ op: 'Abs', label: 'int64', inputs: [typed('int64', [3, 4])] }));
add(opModel({ op: 'Abs', label: 'int32', inputs: [typed('int32', [7])] }));
add(opModel({ op: 'HardSigmoid', label: 'alpha 0.3 beta 0.6', inputs: [x(X4, [-4, 4])], attrs: { alpha: f(0.3), beta: f(0.6) } }));
add(opModel({ op: 'LeakyRelu', label: 'default alpha', inputs: [x(X4)] }));
add(opModel({ op: 'LeakyRelu', label: 'alpha 0.2', inputs: [x(X4)], attrs: { alpha: f(0.2) } }));
add(opModel({ op: 'PRelu', label: 'slope per channel [C,1,1]', inputs: [x(X4), f32c([3, 1, 1])] }));
add(opModel({ op: 'PRelu', label: 'slope [1]', inputs: [x(X4), f32c([1])] }));
add(opModel({ op: 'PRelu', label: 'slope last axis', inputs: [x([2, 3, 6]), f32c([6])] }));
add(opModel({ op: 'Clip', label: 'min and max (relu6)', inputs: [x(X4, [-8, 8]), { dims: [], values: [0], constant: true }, { dims: [], values: [6], constant: true }] }));
add(opModel({ op: 'Clip', label: 'min only', inputs: [x(X4), { dims: [], values: [-0.25], constant: true }] }));
add(opModel({ op: 'Clip', label: 'max only', inputs: [x(X4), null, { dims: [], values: [0.3], constant: true }] }));
add(opModel({ op: 'Clip', label: 'no bounds', inputs: [x([5])] }));
add(opModel({ op: 'Gelu', label: 'exact (opset 20)', inputs: [x(X4, [-4, 4])], opset: 20 }));
add(opModel({ op: 'Gelu', label: 'tanh (opset 20)', inputs: [x([3, 17], [-4, 4])], attrs: { approximate: s('tanh') }, opset: 20 }));

// ---- binary elementwise with numpy broadcasting -------------------------------------------
const BROADCASTS: [string, number[], number[]][] = [
  ['same shape', [2, 3, 4], [2, 3, 4]],
  ['trailing vector', [2, 3, 4], [4]],
  ['[2,1,4] with [3,1]', [2, 1, 4], [3, 1]],
  ['scalar rhs', [2, 3, 5], []],
  ['[1] lhs', [1], [2, 5]],
  ['per-channel [C,1,1]', [2, 3, 4, 5], [3, 1, 1]],
];
for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Min', 'Max']) {
  for (const [label, a, b] of BROADCASTS) {
    const rhsRange: [number, number] = op === 'Div' ? [0.5, 2] : [-1, 1];
    add(opModel({ op, label, inputs: [x(a), x(b, rhsRange)] }));
  }
  add(opModel({ op, label: 'constant rhs', inputs: [x([2, 3, 4]), f32c([3, 1], op === 'Div' ? [0.5, 2] : [-1, 1])] }));
  const intRange: [number, number] = op === 'Div' ? [1, 7] : [-9, 9];
  add(opModel({ op, label: 'int64 broadcast', inputs: [typed('int64', [2, 3], [-20, 20]), typed('int64', [3], intRange)] }));
  add(opModel({ op, label: 'int32', inputs: [typed('int32', [5], [-20, 20]), typed('int32', [5], intRange)] }));
}
add(opModel({ op: 'Div', label: 'int64 negative truncates toward zero', inputs: [{ type: 'int64', dims: [6], values: [-7, 7, -8, 9, -1, 0] }, { type: 'int64', dims: [6], values: [2, -2, 3, -4, 3, 5] }] }));
add(opModel({ op: 'Min', label: '3 inputs', inputs: [x([2, 3]), x([3]), x([2, 1])] }));
add(opModel({ op: 'Max', label: '3 inputs', inputs: [x([2, 3]), x([3]), x([2, 1])] }));
add(opModel({ op: 'Max', label: '1 input', inputs: [x([4])] }));
add(opModel({ op: 'Pow', label: 'broadcast', inputs: [x([2, 3, 4], [0.1, 3]), x([4], [-2, 2])] }));
add(opModel({ op: 'Pow', label: 'square (constant 2)', inputs: [x([3, 5]), { dims: [], values: [2], constant: true }] }));
add(opModel({ op: 'Pow', label: 'sqrt (constant 0.5)', inputs: [x([3, 5], [0, 4]), { dims: [1], values: [0.5], constant: true }] }));

// ---- pooling ------------------------------------------------------------------------------
add(opModel({ op: 'MaxPool', label: '3x3 stride 2 pad 1', inputs: [x([2, 4, 9, 9])], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'MaxPool', label: '2x2 stride 2', inputs: [x([1, 3, 8, 8])], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]) } }));
add(opModel({ op: 'MaxPool', label: 'ceil_mode odd', inputs: [x([1, 2, 7, 7])], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: i(1) } }));
add(opModel({ op: 'MaxPool', label: 'dilations 2', inputs: [x([1, 2, 9, 9])], attrs: { kernel_shape: ints([3, 3]), dilations: ints([2, 2]) } }));
add(opModel({ op: 'MaxPool', label: 'SAME_UPPER', inputs: [x([1, 3, 7, 6])], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: s('SAME_UPPER') } }));
add(opModel({ op: 'MaxPool', label: '1-D', inputs: [x([2, 3, 10])], attrs: { kernel_shape: ints([3]), strides: ints([2]) } }));
add(opModel({ op: 'AveragePool', label: '3x3 pad 1 exclude pad', inputs: [x([2, 4, 7, 7])], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) } }));
add(opModel({ op: 'AveragePool', label: '3x3 pad 1 include pad', inputs: [x([2, 4, 7, 7])], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), count_include_pad: i(1) } }));
add(opModel({ op: 'AveragePool', label: '2x2 stride 2 ceil_mode', inputs: [x([1, 3, 7, 5])], attrs: { kernel_shape: ints([2, 2]), strides: ints([2, 2]), ceil_mode: i(1) } }));
add(opModel({ op: 'AveragePool', label: '3x2 stride 1', inputs: [x([1, 5, 6, 6])], attrs: { kernel_shape: ints([3, 2]) } }));
add(opModel({ op: 'GlobalAveragePool', label: '[2,5,7,3]', inputs: [x([2, 5, 7, 3])] }));
add(opModel({ op: 'GlobalAveragePool', label: '1x1 spatial', inputs: [x([1, 9, 1, 1])] }));
add(opModel({ op: 'GlobalMaxPool', label: '[2,5,7,3]', inputs: [x([2, 5, 7, 3])] }));

// ---- Gemm / MatMul ------------------------------------------------------------------------
add(opModel({ op: 'Gemm', label: 'B const, C [N]', inputs: [x([3, 5]), f32c([5, 4]), f32c([4])] }));
add(opModel({ op: 'Gemm', label: 'transB (Linear)', inputs: [x([2, 33]), f32c([17, 33]), f32c([17])], attrs: { transB: i(1) } }));
add(opModel({ op: 'Gemm', label: 'transA alpha beta C [M,N]', inputs: [x([6, 3]), f32c([6, 4]), f32c([3, 4])], attrs: { transA: i(1), alpha: f(0.5), beta: f(2) } }));
add(opModel({ op: 'Gemm', label: 'C [1] scalar-like', inputs: [x([4, 7]), f32c([7, 9]), f32c([1])] }));
add(opModel({ op: 'Gemm', label: 'no C, B input', inputs: [x([5, 6]), x([6, 3])] }));
add(opModel({ op: 'Gemm', label: 'C [M,1]', inputs: [x([4, 3]), f32c([3, 5]), f32c([4, 1])], attrs: { beta: f(0.25) } }));
add(opModel({ op: 'MatMul', label: '2-D', inputs: [x([3, 5]), x([5, 4])] }));
add(opModel({ op: 'MatMul', label: 'const B tile edges', inputs: [x([13, 31]), f32c([31, 17])] }));
add(opModel({ op: 'MatMul', label: 'batched', inputs: [x([2, 3, 5]), x([2, 5, 4])] }));
add(opModel({ op: 'MatMul', label: 'broadcast 3-D x 2-D const', inputs: [x([2, 3, 5]), f32c([5, 4])] }));
add(opModel({ op: 'MatMul', label: 'broadcast [2,1,3,5] x [3,5,4]', inputs: [x([2, 1, 3, 5]), x([3, 5, 4])] }));
add(opModel({ op: 'MatMul', label: '1-D x 2-D', inputs: [x([5]), x([5, 4])] }));
add(opModel({ op: 'MatMul', label: '2-D x 1-D', inputs: [x([3, 5]), x([5])] }));
add(opModel({ op: 'MatMul', label: 'attention scores [2,4,16,16]', inputs: [x([2, 4, 16, 16]), x([2, 4, 16, 16])] }));

// ---- shape and data movement --------------------------------------------------------------
add(opModel({ op: 'Flatten', label: 'axis 1', inputs: [x(X4)] }));
add(opModel({ op: 'Flatten', label: 'axis 0', inputs: [x(X4)], attrs: { axis: i(0) } }));
add(opModel({ op: 'Flatten', label: 'axis 2', inputs: [x(X4)], attrs: { axis: i(2) } }));
add(opModel({ op: 'Flatten', label: 'axis -1', inputs: [x(X4)], attrs: { axis: i(-1) } }));
add(opModel({ op: 'Reshape', label: '[2,-1]', inputs: [x(X4), i64c([2, -1])] }));
add(opModel({ op: 'Reshape', label: '0 copies dim', inputs: [x(X4), i64c([0, 3, -1])] }));
add(opModel({ op: 'Reshape', label: 'int64 data', inputs: [typed('int64', [2, 6]), i64c([3, 4])] }));
add(opModel({ op: 'Transpose', label: 'NCHW->NHWC', inputs: [x(X4)], attrs: { perm: ints([0, 2, 3, 1]) } }));
add(opModel({ op: 'Transpose', label: 'default reverses', inputs: [x([2, 3, 4])] }));
add(opModel({ op: 'Transpose', label: '[2,0,1]', inputs: [x([3, 1, 5])], attrs: { perm: ints([2, 0, 1]) } }));
add(opModel({ op: 'Transpose', label: 'heads [0,2,1,3]', inputs: [x([2, 16, 4, 8])], attrs: { perm: ints([0, 2, 1, 3]) } }));
add(opModel({ op: 'Concat', label: 'axis 1 three inputs', inputs: [x([2, 3, 4]), x([2, 1, 4]), x([2, 5, 4])], attrs: { axis: i(1) } }));
add(opModel({ op: 'Concat', label: 'axis -1', inputs: [x([2, 3, 4]), x([2, 3, 2])], attrs: { axis: i(-1) } }));
add(opModel({ op: 'Concat', label: 'axis 0 with constant', inputs: [x([1, 4]), f32c([2, 4])], attrs: { axis: i(0) } }));
add(opModel({ op: 'Concat', label: 'int64', inputs: [typed('int64', [2]), typed('int64', [3])], attrs: { axis: i(0) } }));
add(opModel({ op: 'Concat', label: 'NCHW channels', inputs: [x([1, 3, 4, 4]), x([1, 2, 4, 4])], attrs: { axis: i(1) } }));
add(opModel({ op: 'Split', label: 'sizes [2,3] axis 1', inputs: [x([2, 5, 3]), i64c([2, 3])], attrs: { axis: i(1) }, outputTypes: ['float32', 'float32'] }));
add(opModel({ op: 'Split', label: 'equal 3 ways axis -1', inputs: [x([2, 4, 9])], attrs: { axis: i(-1) }, outputTypes: ['float32', 'float32', 'float32'] }));
add(opModel({ op: 'Split', label: 'num_outputs uneven (opset 18)', inputs: [x([7, 2])], attrs: { axis: i(0), num_outputs: i(3) }, outputTypes: ['float32', 'float32', 'float32'], opset: 18 }));
add(opModel({ op: 'Slice', label: 'basic', inputs: [x([4, 6]), i64c([1, 2]), i64c([3, 5])] }));
add(opModel({ op: 'Slice', label: 'axes and steps', inputs: [x([3, 8, 5]), i64c([1]), i64c([8]), i64c([1]), i64c([3])] }));
add(opModel({ op: 'Slice', label: 'negative step', inputs: [x([3, 7]), i64c([-1]), i64c([-1000]), i64c([1]), i64c([-2])] }));
add(opModel({ op: 'Slice', label: 'negative starts clamped ends', inputs: [x([2, 3, 10]), i64c([-4, 0]), i64c([1000, 2]), i64c([2, 1])] }));
add(opModel({ op: 'Slice', label: 'int64 data', inputs: [typed('int64', [6]), i64c([1]), i64c([4])] }));
add(opModel({ op: 'Squeeze', label: 'axes [1]', inputs: [x([2, 1, 4]), i64c([1])] }));
add(opModel({ op: 'Squeeze', label: 'all ones', inputs: [x([1, 3, 1, 2])] }));
add(opModel({ op: 'Unsqueeze', label: 'axes [0,3]', inputs: [x([3, 4]), i64c([0, 3])] }));
add(opModel({ op: 'Unsqueeze', label: 'axes [-1]', inputs: [x([3, 4]), i64c([-1])] }));
add(opModel({ op: 'Shape', label: 'of 4-D', inputs: [x(X4)], outputTypes: ['int64'] }));
add(opModel({ op: 'Shape', label: 'start 1 end -1 (opset 15)', inputs: [x(X4)], attrs: { start: i(1), end: i(-1) }, outputTypes: ['int64'] }));
add(opModel({ op: 'Gather', label: 'axis 0 const indices 2-D', inputs: [x([5, 3]), i64c([0, 2, 4, -1], [2, 2])] }));
add(opModel({ op: 'Gather', label: 'axis 1', inputs: [x([2, 6, 3]), i64c([5, 0, 3])], attrs: { axis: i(1) } }));
add(opModel({ op: 'Gather', label: 'scalar index', inputs: [x([4, 5]), { type: 'int64', dims: [], values: [2], constant: true }], attrs: { axis: i(1) } }));
add(opModel({ op: 'Gather', label: 'indices input int64', inputs: [x([10, 4]), typed('int64', [3, 2], [-10, 9])] }));
add(opModel({ op: 'Gather', label: 'int32 indices', inputs: [x([6, 2]), { type: 'int32', dims: [4], values: [1, 5, 0, -2] }] }));
add(opModel({ op: 'Gather', label: 'int64 data', inputs: [typed('int64', [5]), i64c([4, 0])] }));
add(opModel({ op: 'Cast', label: 'float32 -> int64 truncates', inputs: [x([12], [-5, 5])], attrs: { to: i(7) }, outputTypes: ['int64'] }));
add(opModel({ op: 'Cast', label: 'int64 -> float32', inputs: [typed('int64', [3, 3], [-100, 100])], attrs: { to: i(1) }, outputTypes: ['float32'] }));
add(opModel({ op: 'Cast', label: 'float32 -> int32', inputs: [x([7], [-50, 50])], attrs: { to: i(6) }, outputTypes: ['int32'] }));
add(opModel({ op: 'Cast', label: 'int32 -> int64', inputs: [typed('int32', [5])], attrs: { to: i(7) }, outputTypes: ['int64'] }));
add(opModel({ op: 'Cast', label: 'bool -> float32', inputs: [typed('bool', [6])], attrs: { to: i(1) }, outputTypes: ['float32'] }));
add(opModel({ op: 'Cast', label: 'float32 -> bool', inputs: [{ dims: [6], values: [0, 1.5, -2, 0, 0.25, -0] }], attrs: { to: i(9) }, outputTypes: ['bool'] }));
add(opModel({ op: 'Identity', label: '', inputs: [x([3, 4])] }));
add(opModel({ op: 'Dropout', label: 'inference is identity', inputs: [x([3, 4])] }));
add(opModel({ op: 'Pad', label: 'constant value', inputs: [x([1, 2, 3, 4]), i64c([0, 0, 1, 2, 0, 0, 2, 1]), { dims: [], values: [0.5], constant: true }] }));
add(opModel({ op: 'Pad', label: 'zero default', inputs: [x([2, 3]), i64c([1, 0, 0, 2])] }));
add(opModel({ op: 'Pad', label: 'reflect', inputs: [x([1, 2, 4, 5]), i64c([0, 0, 2, 1, 0, 0, 1, 3])], attrs: { mode: s('reflect') } }));
add(opModel({ op: 'Pad', label: 'edge', inputs: [x([1, 2, 4, 5]), i64c([0, 0, 2, 1, 0, 0, 1, 3])], attrs: { mode: s('edge') } }));
add(opModel({ op: 'Pad', label: 'negative pads crop', inputs: [x([3, 6]), i64c([-1, 1, 0, -2])] }));
add(opModel({ op: 'Expand', label: '[3,1] -> [2,3,4]', inputs: [x([3, 1]), i64c([2, 3, 4])] }));
add(opModel({ op: 'Expand', label: 'shape of lower rank', inputs: [x([2, 1, 4]), i64c([3, 1])] }));
add(opModel({ op: 'Expand', label: '[1] -> [5]', inputs: [x([1]), i64c([5])] }));
add(opModel({ op: 'Where', label: 'broadcast', inputs: [typed('bool', [2, 1, 4]), x([3, 4]), x([])], outputTypes: ['float32'] }));
add(opModel({ op: 'Where', label: 'int64', inputs: [typed('bool', [5]), typed('int64', [5]), typed('int64', [1])], outputTypes: ['int64'] }));
for (const op of ['Equal', 'Less', 'Greater']) {
  add(opModel({ op, label: 'float broadcast with ties', inputs: [coarse([2, 3, 4]), coarse([4])], outputTypes: ['bool'] }));
  add(opModel({ op, label: 'int64', inputs: [typed('int64', [3, 4], [-2, 2]), typed('int64', [3, 1], [-2, 2])], outputTypes: ['bool'] }));
  add(opModel({ op, label: 'constant scalar', inputs: [x([6]), { dims: [], values: [0], constant: true }], outputTypes: ['bool'] }));
}
add(opModel({ op: 'Equal', label: 'bool', inputs: [typed('bool', [6]), typed('bool', [6])], outputTypes: ['bool'] }));
add(opModel({ op: 'ArgMax', label: 'axis 1 keepdims', inputs: [x([2, 5, 3])], attrs: { axis: i(1) }, outputTypes: ['int64'] }));
add(opModel({ op: 'ArgMax', label: 'axis -1 no keepdims', inputs: [x([4, 10])], attrs: { axis: i(-1), keepdims: i(0) }, outputTypes: ['int64'] }));
add(opModel({ op: 'ArgMax', label: 'ties first index', inputs: [coarse([3, 8])], attrs: { axis: i(1) }, outputTypes: ['int64'] }));
add(opModel({ op: 'ArgMax', label: 'ties select_last_index', inputs: [coarse([3, 8])], attrs: { axis: i(1), select_last_index: i(1) }, outputTypes: ['int64'] }));

// ---- Resize -------------------------------------------------------------------------------
const noRoi: null = null;
const scales = (v: number[]): Operand => ({ dims: [v.length], values: v, constant: true });
const RESIZES: [string, Record<string, string>, number[]][] = [
  ['nearest asymmetric floor x2', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 2, 2]],
  ['nearest half_pixel round_prefer_floor x2', { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_floor' }, [1, 1, 2, 2]],
  ['nearest half_pixel round_prefer_ceil x1.5', { mode: 'nearest', coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_ceil' }, [1, 1, 1.5, 1.5]],
  ['nearest align_corners ceil x3', { mode: 'nearest', coordinate_transformation_mode: 'align_corners', nearest_mode: 'ceil' }, [1, 1, 3, 3]],
  ['nearest tf_half_pixel_for_nn x2', { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn', nearest_mode: 'round_prefer_ceil' }, [1, 1, 2, 2]],
  ['nearest downscale 0.5', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, [1, 1, 0.5, 0.5]],
  ['linear half_pixel x2', { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, [1, 1, 2, 2]],
  ['linear pytorch_half_pixel x2', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, [1, 1, 2, 2]],
  ['linear align_corners x2', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, [1, 1, 2, 2]],
  ['linear asymmetric x2 x3', { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 2, 3]],
  ['linear half_pixel downscale 0.5', { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, [1, 1, 0.5, 0.5]],
  ['linear half_pixel x1.7', { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, [1, 1, 1.7, 1.7]],
];
for (const [label, attrs, sc] of RESIZES) {
  const a = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, s(v)]));
  add(opModel({ op: 'Resize', label, inputs: [x([2, 3, 5, 6]), noRoi, scales(sc)], attrs: a }));
}
add(opModel({ op: 'Resize', label: 'linear half_pixel by sizes', inputs: [x([1, 2, 5, 4]), null, null, i64c([1, 2, 9, 7])], attrs: { mode: s('linear'), coordinate_transformation_mode: s('half_pixel') } }));

// ---- softmax, reductions, normalization ---------------------------------------------------
add(opModel({ op: 'Softmax', label: 'axis -1', inputs: [x([2, 3, 10], [-5, 5])] }));
add(opModel({ op: 'Softmax', label: 'axis 1', inputs: [x([2, 3, 4], [-5, 5])], attrs: { axis: i(1) } }));
add(opModel({ op: 'Softmax', label: 'large logits', inputs: [x([3, 7], [50, 90])] }));
add(opModel({ op: 'LogSoftmax', label: 'axis -1', inputs: [x([2, 3, 10], [-5, 5])] }));
add(opModel({ op: 'LogSoftmax', label: 'axis 0', inputs: [x([4, 3], [-5, 5])], attrs: { axis: i(0) } }));
add(opModel({ op: 'ReduceMean', label: 'axes [-1] keepdims', inputs: [x([2, 3, 8])], attrs: { axes: ints([-1]) } }));
add(opModel({ op: 'ReduceMean', label: 'axes [2,3] no keepdims', inputs: [x(X4)], attrs: { axes: ints([2, 3]), keepdims: i(0) } }));
add(opModel({ op: 'ReduceMean', label: 'all axes', inputs: [x([3, 4])] }));
add(opModel({ op: 'ReduceMean', label: 'axes input (opset 18)', inputs: [x([2, 5, 3]), i64c([1])], opset: 18 }));
add(opModel({ op: 'ReduceSum', label: 'axes input [1]', inputs: [x([2, 5, 3]), i64c([1])] }));
add(opModel({ op: 'ReduceSum', label: 'axes [0,2] no keepdims', inputs: [x([4, 3, 6]), i64c([0, 2])], attrs: { keepdims: i(0) } }));
add(opModel({ op: 'ReduceSum', label: 'no axes = all', inputs: [x([3, 5])] }));
add(opModel({ op: 'ReduceMax', label: 'axes [1]', inputs: [x([2, 7, 3])], attrs: { axes: ints([1]) } }));
add(opModel({ op: 'ReduceMax', label: 'axes [-1] no keepdims', inputs: [x([5, 9])], attrs: { axes: ints([-1]), keepdims: i(0) } }));
add(opModel({ op: 'LayerNormalization', label: 'axis -1 with bias', inputs: [x([2, 5, 16], [-3, 3]), f32c([16], [0.5, 1.5]), f32c([16])] }));
add(opModel({ op: 'LayerNormalization', label: 'axis 1 no bias eps 1e-3', inputs: [x([2, 3, 4], [-3, 3]), f32c([3, 4], [0.5, 1.5])], attrs: { axis: i(1), epsilon: f(1e-3) } }));
add(opModel({ op: 'LayerNormalization', label: 'odd width 33', inputs: [x([3, 33], [-2, 4]), f32c([33]), f32c([33])], attrs: { axis: i(-1) } }));

// ---- Constant / ConstantOfShape (small multi-op graphs) -----------------------------------
add(
  buildModel({
    label: 'Constant value tensor + Add',
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['c'], attrs: { value: attr.t({ type: 'float32', dims: [3], data: new Float32Array([0.5, -1, 2]) }) } },
      { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
    ],
    operands: [{ name: 'x', dims: [2, 3] }],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'Constant value_float + Mul',
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['c'], attrs: { value_float: f(1.5) } },
      { op: 'Mul', inputs: ['x', 'c'], outputs: ['y'] },
    ],
    operands: [{ name: 'x', dims: [4] }],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'Constant value_ints as Reshape shape',
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['shape'], attrs: { value_ints: ints([3, -1]) } },
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
    ],
    operands: [{ name: 'x', dims: [2, 3, 2] }],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'ConstantOfShape(Shape(x)) + x',
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'], attrs: { value: attr.t({ type: 'float32', dims: [1], data: new Float32Array([0.5]) }) } },
      { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
    ],
    operands: [{ name: 'x', dims: [2, 3, 4] }],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'ConstantOfShape int64 default zero',
    nodes: [
      { op: 'ConstantOfShape', inputs: ['shape'], outputs: ['c'], attrs: { value: attr.t({ type: 'int64', dims: [1], data: new BigInt64Array([7n]) }) } },
      { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
    ],
    operands: [{ name: 'x', type: 'int64', dims: [2, 3] }, { ...i64c([2, 3]), name: 'shape' }],
    outputs: [{ name: 'y', type: 'int64' }],
  }),
);

// ---- small multi-op graphs that exercise fusion paths -------------------------------------
const convAct = (label: string, act: { op: string; attrs?: Record<string, ReturnType<typeof f>> }, extra: Operand[] = []) =>
  buildModel({
    label: `Conv + ${label}`,
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { op: act.op, inputs: ['c', ...extra.map((e) => e.name!)], outputs: ['y'], attrs: act.attrs },
    ],
    operands: [
      { name: 'x', dims: [2, 6, 7, 7] },
      { name: 'w', dims: [10, 6, 3, 3], constant: true, range: [-0.5, 0.5] },
      { name: 'b', dims: [10], constant: true },
      ...(extra as (Operand & { name: string })[]),
    ],
    outputs: [{ name: 'y', type: 'float32' }],
  });
add(convAct('Relu', { op: 'Relu' }));
add(convAct('LeakyRelu', { op: 'LeakyRelu', attrs: { alpha: f(0.1) } }));
add(convAct('Sigmoid', { op: 'Sigmoid' }));
add(convAct('HardSwish', { op: 'HardSwish' }));
add(convAct('HardSigmoid', { op: 'HardSigmoid', attrs: { alpha: f(0.2), beta: f(0.5) } }));
add(convAct('Tanh', { op: 'Tanh' }));
add(convAct('Clip 0..6', { op: 'Clip' }, [{ name: 'lo', dims: [], values: [0], constant: true }, { name: 'hi', dims: [], values: [6], constant: true }]));
add(
  buildModel({
    label: 'Conv + BatchNormalization + Relu + residual Add',
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: ints([1, 1, 1, 1]) } },
      { op: 'BatchNormalization', inputs: ['c', 'g', 'beta', 'mean', 'var'], outputs: ['n'] },
      { op: 'Add', inputs: ['n', 'x'], outputs: ['a'] },
      { op: 'Relu', inputs: ['a'], outputs: ['y'] },
    ],
    operands: [
      { name: 'x', dims: [2, 8, 6, 5] },
      { name: 'w', dims: [8, 8, 3, 3], constant: true, range: [-0.3, 0.3] },
      { name: 'g', dims: [8], constant: true, range: [0.5, 1.5] },
      { name: 'beta', dims: [8], constant: true },
      { name: 'mean', dims: [8], constant: true },
      { name: 'var', dims: [8], constant: true, range: [0.5, 2] },
    ],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'Conv + x * Sigmoid (SiLU)',
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] },
      { op: 'Sigmoid', inputs: ['c'], outputs: ['s'] },
      { op: 'Mul', inputs: ['c', 's'], outputs: ['y'] },
    ],
    operands: [
      { name: 'x', dims: [1, 4, 6, 6] },
      { name: 'w', dims: [5, 4, 1, 1], constant: true },
    ],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'MatMul + bias Add + Gelu (opset 20)',
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'b'], outputs: ['a'] },
      { op: 'Gelu', inputs: ['a'], outputs: ['y'] },
    ],
    operands: [
      { name: 'x', dims: [2, 7, 24] },
      { name: 'w', dims: [24, 40], constant: true, range: [-0.3, 0.3] },
      { name: 'b', dims: [40], constant: true },
    ],
    outputs: [{ name: 'y', type: 'float32' }],
    opset: 20,
  }),
);
add(
  buildModel({
    label: 'Gemm + Relu',
    nodes: [
      { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['g'], attrs: { transB: i(1) } },
      { op: 'Relu', inputs: ['g'], outputs: ['y'] },
    ],
    operands: [
      { name: 'x', dims: [3, 20] },
      { name: 'w', dims: [12, 20], constant: true },
      { name: 'b', dims: [12], constant: true },
    ],
    outputs: [{ name: 'y', type: 'float32' }],
  }),
);
add(
  buildModel({
    label: 'two outputs sharing a value',
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['r'] },
      { op: 'Neg', inputs: ['r'], outputs: ['y'] },
      { op: 'Exp', inputs: ['r'], outputs: ['z'] },
    ],
    operands: [{ name: 'x', dims: [2, 5] }],
    outputs: [
      { name: 'y', type: 'float32' },
      { name: 'z', type: 'float32' },
    ],
  }),
);

/** Exact for non-float outputs, the suite's tolerance for floats. */
function compare(label: string, actual: OrtValue | undefined, reference: OrtValue): void {
  if (!actual) throw new Error(`${label}: output missing`);
  if (reference.type === 'float32' || reference.type === 'float64') {
    expectClose(label, actual, reference);
    return;
  }
  expect({ label, type: actual.type, dims: actual.dims }).toEqual({ label, type: reference.type, dims: reference.dims });
  expect(Array.from(actual.data as ArrayLike<number | bigint>, (v) => String(v))).toEqual(
    Array.from(reference.data as ArrayLike<number | bigint>, (v) => String(v)),
  );
}

const levels = isaLevels();
const THREADED = /^(Conv|ConvTranspose|Gemm|MatMul|MaxPool|AveragePool|GlobalAveragePool|GlobalMaxPool|Resize|Softmax|LogSoftmax|LayerNormalization|Reduce\w+|BatchNormalization|Add|Mul|Transpose|Concat) /;

describe('ops vs onnxruntime-node', () => {
  test('the catalogue is covered', () => {
    const ops = new Set(cases.map((c) => c.label.split(' ')[0]));
    const required =
      'Conv ConvTranspose BatchNormalization Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid HardSwish Tanh Erf Gelu Add Sub Mul Div Pow Sqrt Exp Log Neg Abs Reciprocal Min Max MaxPool AveragePool GlobalAveragePool GlobalMaxPool Gemm MatMul Flatten Reshape Transpose Concat Split Slice Squeeze Unsqueeze Shape Gather Cast Constant ConstantOfShape Identity Dropout Pad Resize Softmax LogSoftmax ReduceMean ReduceSum ReduceMax LayerNormalization Expand Where Equal Less Greater ArgMax';
    expect(required.split(' ').filter((op) => !ops.has(op))).toEqual([]);
  });

  test.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    const reference = await ortEval(c.model, c.feeds);
    for (const name of c.outputs) expect(reference[name]).toBeDefined();
    for (const isa of levels) {
      const actual = await sparqEval(c.model, c.feeds, { isa, threads: 1 });
      for (const name of c.outputs) compare(`${c.label} [${isa}] ${name}`, actual[name], reference[name]);
    }
    // Ops that split work across threads also run with 2 threads (default ISA level).
    if (THREADED.test(c.label)) {
      const actual = await sparqEval(c.model, c.feeds, { threads: 2 });
      for (const name of c.outputs) compare(`${c.label} [2 threads] ${name}`, actual[name], reference[name]);
    }
  });
});
