#!/usr/bin/env node
// Prints the README's supported-ops table from lib/ir/op-support.ts's SUPPORTED_OPS (via dist/; run `npm run build:ts` first).
'use strict';
const path = require('path');
const { SUPPORTED_OPS } = require(path.join(__dirname, '..', 'dist', 'ir', 'op-support'));

const FAMILIES = [
  ['Convolution', ['Conv', 'ConvTranspose']],
  ['Normalization', ['BatchNormalization', 'LayerNormalization']],
  ['Activations', ['Relu', 'LeakyRelu', 'PRelu', 'Clip', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Erf', 'Gelu']],
  ['Elementwise math', ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Neg', 'Abs', 'Reciprocal', 'Min', 'Max']],
  ['Pooling', ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']],
  ['Matrix', ['Gemm', 'MatMul']],
  ['Shape and data movement', ['Flatten', 'Reshape', 'Transpose', 'Concat', 'Split', 'Slice', 'Squeeze', 'Unsqueeze', 'Shape', 'Gather', 'Cast', 'Constant', 'ConstantOfShape', 'Identity', 'Dropout', 'Pad', 'Expand', 'Range', 'Size']],
  ['Resampling', ['Resize']],
  ['Softmax and reductions', ['Softmax', 'LogSoftmax', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'ArgMax']],
  ['Logic', ['Where', 'Equal', 'Less', 'Greater', 'Not']],
  ['Quantization (int8)', ['QuantizeLinear', 'DequantizeLinear', 'QLinearConv', 'QLinearMatMul', 'ConvInteger', 'MatMulInteger']],
];

const listed = new Set(FAMILIES.flatMap(([, ops]) => ops));
const rest = Object.keys(SUPPORTED_OPS).filter((op) => !listed.has(op) && SUPPORTED_OPS[op].domain === '');
if (rest.length) FAMILIES.push(['Other', rest]);

const lines = ['| family | ops (notes) |', '|---|---|'];
for (const [family, ops] of FAMILIES) {
  const cells = ops
    .filter((op) => SUPPORTED_OPS[op])
    .map((op) => (SUPPORTED_OPS[op].note ? `${op} (${SUPPORTED_OPS[op].note})` : op));
  if (cells.length) lines.push(`| ${family} | ${cells.join(', ')} |`);
}
process.stdout.write(lines.join('\n') + '\n');
