/** Small QDQ and QLinear graphs, one per pattern the QDQ import recognizes, for unit tests and onnxruntime differentials. */
import type { Graph } from '../../lib/ir/graph';
import { GraphBuilder, randomFloats } from './graph-builder';

/** Quantization parameters of an activation (u8) edge. */
export interface Act {
  scale: number;
  zp: number;
}

export const IN: Act = { scale: 2 / 255, zp: 128 };

function ints(n: number, seed: number, lo: number, hi: number): number[] {
  return Array.from(randomFloats(n, seed, lo, hi + 1), (v) => Math.min(hi, Math.floor(v)));
}

export class QdqBuilder extends GraphBuilder {
  private n = 0;

  private id(base: string): string {
    return `${base}${this.n++}`;
  }

  q(x: string, p: Act, type: 'uint8' | 'int8' = 'uint8'): string {
    const s = this.init(this.id('q_scale'), [], [p.scale]);
    const z = this.init(this.id('q_zp'), [], [p.zp], type);
    return this.node('QuantizeLinear', [x, s, z]);
  }

  dq(x: string, p: Act, type: 'uint8' | 'int8' = 'uint8'): string {
    const s = this.init(this.id('dq_scale'), [], [p.scale]);
    const z = this.init(this.id('dq_zp'), [], [p.zp], type);
    return this.node('DequantizeLinear', [x, s, z]);
  }

  /** fp32 → Q → DQ: a fake-quantized edge. */
  qdq(x: string, p: Act): string {
    return this.dq(this.q(x, p), p);
  }

  /** DQ of int8 weights with per-channel (axis `axis`) or per-tensor scales. */
  weights(dims: number[], perChannel: boolean, axis = 0, seed = 7): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const w = this.init(this.id('w_int8'), dims, ints(count, seed, -127, 127), 'int8');
    const channels = perChannel ? dims[axis] : 1;
    const scales = Array.from(randomFloats(channels, seed + 1, 0.002, 0.01));
    const s = this.init(this.id('w_scale'), perChannel ? [channels] : [], scales);
    const z = this.init(this.id('w_zp'), perChannel ? [channels] : [], new Array(channels).fill(0), 'int8');
    return this.node('DequantizeLinear', [w, s, z], perChannel ? { axis } : {});
  }

  /** DQ of an int32 bias in units x_scale * w_scale (per channel when `wScales` has one per channel). */
  bias(m: number, scale: number[], seed = 11): string {
    const b = this.init(this.id('b_int32'), [m], ints(m, seed, -2000, 2000), 'int32');
    const s = this.init(this.id('b_scale'), scale.length === 1 ? [] : [m], scale.map((v) => Math.fround(v)));
    return this.node('DequantizeLinear', [b, s], scale.length === 1 ? {} : { axis: 0 });
  }

  /** The scales of the weight DQ node that produced `w`. */
  weightScales(w: string): number[] {
    const node = this.g.nodes.find((n) => n.outputs[0] === w)!;
    return Array.from(this.g.initializers.get(node.inputs[1])!.data as Float32Array);
  }
}

/** A graph output whose shape the model leaves to inference. */
export function output(b: GraphBuilder, name: string, type: 'float32' | 'int32' = 'float32'): void {
  b.g.outputs.push({ name, type, shape: [], shapeUnknown: true });
}

export interface QdqCase {
  name: string;
  graph: Graph;
  /** Input shape of 'x'. */
  shape: number[];
  inputType?: 'float32' | 'uint8';
  /** The op types the import must produce (in order, as a multiset check). */
  ops: string[];
  /** Output scale: ORT agreement within 1 LSB of it; undefined = fp32 output (relative tolerance). */
  outScale?: number;
}

const OUT: Act = { scale: 0.05, zp: 120 };
const RELU_OUT: Act = { scale: 0.03, zp: 0 };

/** x [1, c, h, w] → Q → DQ → Conv(DQ W, DQ bias) → [act] → Q → DQ → y. */
function convCase(name: string, c: number, m: number, k: number, attrs: Record<string, number | number[]>, act: string | undefined, opts: { perChannel?: boolean; quantizedOut?: boolean; h?: number } = {}): QdqCase {
  const b = new QdqBuilder(17);
  const h = opts.h ?? 8;
  const x = b.input('x', [1, c, h, h]);
  const group = (attrs.group as number) ?? 1;
  const w = b.weights([m, c / group, k, k], opts.perChannel ?? true);
  const bias = b.bias(m, b.weightScales(w).map((s) => s * IN.scale));
  let y = b.node('Conv', [b.qdq(x, IN), w, bias], { kernel_shape: [k, k], ...attrs });
  const ops = ['sparq.QuantizeLinear', 'sparq.QConv'];
  if (act === 'Clip') y = b.node('Clip', [y, b.scalar(0), b.scalar(6)]);
  else if (act) y = b.node(act, [y]);
  const quantizedOut = opts.quantizedOut ?? true;
  const out = act === 'Relu' || act === 'Clip' ? RELU_OUT : OUT;
  if (quantizedOut) {
    y = b.dq(b.q(y, out), out);
    ops.push('sparq.DequantizeLinear');
  }
  b.g.nodes[b.g.nodes.length - 1].outputs[0] = 'y';
  output(b, 'y');
  return { name, graph: b.build(), shape: [1, c, h, h], ops, outScale: quantizedOut ? out.scale : undefined };
}

/** A quantized input edge followed by `body`, whose result is quantized with `out` and dequantized to y. */
function unaryCase(name: string, shape: number[], ops: string[], out: Act, body: (b: QdqBuilder, x: string) => string): QdqCase {
  const b = new QdqBuilder(17);
  const x = b.input('x', shape);
  const y = body(b, x);
  b.node('DequantizeLinear', [b.q(y, out), b.init('y_scale', [], [out.scale]), b.init('y_zp', [], [out.zp], 'uint8')], {}, ['y']);
  output(b, 'y');
  return { name, graph: b.build(), shape, ops, outScale: out.scale };
}

const A: Act = { scale: 0.011, zp: 100 };
const B: Act = { scale: 0.017, zp: 140 };

export function qdqCases(): QdqCase[] {
  const Q = 'sparq.QuantizeLinear';
  const D = 'sparq.DequantizeLinear';
  return [
    convCase('conv 1x1', 8, 16, 1, {}, undefined),
    convCase('conv 3x3 pad 1 + relu', 4, 8, 3, { pads: [1, 1, 1, 1] }, 'Relu'),
    convCase('conv 3x3 stride 2 + clip', 4, 8, 3, { pads: [1, 1, 1, 1], strides: [2, 2] }, 'Clip', { h: 9 }),
    convCase('grouped conv + leaky relu', 8, 8, 3, { group: 2, pads: [1, 1, 1, 1] }, 'LeakyRelu'),
    convCase('depthwise 3x3 + hard-swish', 8, 8, 3, { group: 8, pads: [1, 1, 1, 1] }, 'HardSwish'),
    convCase('conv per-tensor weights', 4, 6, 3, {}, undefined, { perChannel: false }),
    unaryCase('s8 activations (onnxruntime.quantization default) → conv', [1, 4, 6, 6], [Q, 'sparq.QConv', D], OUT, (b, x) => {
      const s8: Act = { scale: 0.01, zp: -3 };
      const w = b.weights([6, 4, 3, 3], true);
      const y = b.node('Conv', [b.dq(b.q(x, s8, 'int8'), s8, 'int8'), w], { kernel_shape: [3, 3] });
      const s8out: Act = { scale: OUT.scale, zp: -8 };
      return b.node('Relu', [b.dq(b.q(y, s8out, 'int8'), s8out, 'int8')]);
    }),
    convCase('conv with fp32 output + relu', 4, 8, 3, { pads: [1, 1, 1, 1] }, 'Relu', { quantizedOut: false }),
    unaryCase('add + relu', [1, 4, 5, 5], ['Neg', Q, Q, 'sparq.QAdd', D], RELU_OUT, (b, x) =>
      b.node('Relu', [b.node('Add', [b.qdq(x, A), b.dq(b.q(b.node('Neg', [x]), B), B)])]),
    ),
    unaryCase('mul same shape', [1, 4, 5, 5], ['Neg', Q, Q, 'sparq.QMul', D], OUT, (b, x) =>
      b.node('Mul', [b.qdq(x, A), b.dq(b.q(b.node('Neg', [x]), B), B)]),
    ),
    // A squeeze-excite gate: x [1, C, H, W] times a quantized per-channel [1, C, 1, 1] (sigmoid of the channel means).
    unaryCase('mul by a per-channel gate (squeeze-excite)', [1, 6, 5, 5], [Q, 'GlobalAveragePool', 'Sigmoid', Q, 'sparq.QMul', D], OUT, (b, x) => {
      const gate: Act = { scale: 1 / 255, zp: 0 };
      const g = b.dq(b.q(b.node('Sigmoid', [b.node('GlobalAveragePool', [x])]), gate), gate);
      return b.node('Mul', [b.qdq(x, A), g]);
    }),
    unaryCase('concat', [1, 3, 4, 4], ['Neg', Q, Q, 'sparq.QConcat', D], OUT, (b, x) =>
      b.node('Concat', [b.qdq(x, A), b.dq(b.q(b.node('Neg', [x]), B), B)], { axis: 1 }),
    ),
    unaryCase('max pool', [1, 4, 8, 8], [Q, 'sparq.QMaxPool', D], A, (b, x) =>
      b.node('MaxPool', [b.qdq(x, A)], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    ),
    unaryCase('max pool requantized', [1, 4, 8, 8], [Q, 'sparq.QMaxPool', 'sparq.QLookup', D], B, (b, x) =>
      b.node('MaxPool', [b.qdq(x, A)], { kernel_shape: [2, 2], strides: [2, 2] }),
    ),
    unaryCase('average pool', [1, 4, 8, 8], [Q, 'sparq.QAveragePool', D], B, (b, x) =>
      b.node('AveragePool', [b.qdq(x, A)], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    ),
    unaryCase('global average pool', [1, 4, 6, 6], [Q, 'sparq.QGlobalAveragePool', D], B, (b, x) => b.node('GlobalAveragePool', [b.qdq(x, A)])),
    unaryCase('gemm', [3, 16], [Q, 'sparq.QGemm', D], OUT, (b, x) => {
      const w = b.weights([10, 16], true, 0);
      return b.node('Gemm', [b.qdq(x, A), w, b.bias(10, b.weightScales(w).map((s) => s * A.scale))], { transB: 1 });
    }),
    unaryCase('matmul 3-D', [2, 3, 16], [Q, 'sparq.QGemm', D], OUT, (b, x) => b.node('MatMul', [b.qdq(x, A), b.weights([16, 8], true, 1)])),
    unaryCase('reshape chain', [1, 4, 3, 3], [Q, 'Transpose', 'Reshape', D], A, (b, x) => {
      const t = b.node('Transpose', [b.qdq(x, A)], { perm: [0, 2, 3, 1] });
      const shape = b.init('shape', [2], [1, 36], 'int64');
      return b.node('Reshape', [b.qdq(t, A), shape]);
    }),
    unaryCase('fp32 island (Softmax) between native Q / DQ', [2, 7], [Q, D, 'Softmax', Q, D], { scale: 1 / 255, zp: 0 }, (b, x) => b.node('Softmax', [b.qdq(x, A)], { axis: 1 })),
    unaryCase('standalone sigmoid', [1, 4, 5, 5], [Q, 'sparq.QLookup', D], { scale: 1 / 256, zp: 0 }, (b, x) => b.node('Sigmoid', [b.qdq(x, A)])),
  ];
}

/** Operator-form models: QLinearConv, QLinearMatMul (u8 in/out around Q / DQ), ConvInteger, MatMulInteger (u8 in, int32 out). */
export function qlinearCases(): QdqCase[] {
  const cases: QdqCase[] = [];
  {
    const b = new QdqBuilder(17);
    const x = b.input('x', [1, 4, 7, 7]);
    const s = (v: number) => b.init(`s${v}`, [], [v]);
    const z = (v: number, t: 'uint8' | 'int8' = 'uint8') => b.init(`z${v}${t}`, [], [v], t);
    const w = b.init('w', [6, 4, 3, 3], ints(216, 3, -127, 127), 'int8');
    const ws = b.init('ws', [6], Array.from(randomFloats(6, 4, 0.002, 0.01)));
    const wz = b.init('wz', [6], [0, 0, 0, 0, 0, 0], 'int8');
    const bias = b.init('bias', [6], ints(6, 5, -500, 500), 'int32');
    const xq = b.q(x, IN);
    const y = b.node('QLinearConv', [xq, s(IN.scale), z(IN.zp), w, ws, wz, s(0.04), z(90), bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    b.node('DequantizeLinear', [y, s(0.04), z(90)], {}, ['y']);
    output(b, 'y');
    cases.push({ name: 'QLinearConv', graph: b.build(), shape: [1, 4, 7, 7], ops: ['sparq.QuantizeLinear', 'sparq.QConv', 'sparq.DequantizeLinear'], outScale: 0.04 });
  }
  {
    const b = new QdqBuilder(17);
    const x = b.input('x', [2, 12]);
    const w = b.init('w', [12, 5], ints(60, 8, -127, 127), 'int8');
    const s = (n: string, v: number) => b.init(n, [], [v]);
    const y = b.node('QLinearMatMul', [b.q(x, IN), s('as', IN.scale), b.init('az', [], [IN.zp], 'uint8'), w, s('bs', 0.006), b.init('bz', [], [0], 'int8'), s('ys', 0.05), b.init('yz', [], [128], 'uint8')]);
    b.node('DequantizeLinear', [y, 'ys', 'yz'], {}, ['y']);
    output(b, 'y');
    cases.push({ name: 'QLinearMatMul', graph: b.build(), shape: [2, 12], ops: ['sparq.QuantizeLinear', 'sparq.QGemm', 'sparq.DequantizeLinear'], outScale: 0.05 });
  }
  {
    const b = new QdqBuilder(17);
    const x = b.input('x', [1, 3, 6, 6], 'uint8');
    // onnxruntime's CPU ConvInteger takes uint8 weights only: zero point 128 (subtracted into int8 at load).
    const w = b.init('w', [4, 3, 3, 3], ints(108, 9, 1, 255), 'uint8');
    b.node('ConvInteger', [x, w, b.init('xz', [], [7], 'uint8'), b.init('wz', [], [128], 'uint8')], { kernel_shape: [3, 3] }, ['y']);
    output(b, 'y', 'int32');
    cases.push({ name: 'ConvInteger', graph: b.build(), shape: [1, 3, 6, 6], inputType: 'uint8', ops: ['sparq.QConv', 'Cast'] });
  }
  {
    const b = new QdqBuilder(17);
    const x = b.input('x', [3, 10], 'uint8');
    const w = b.init('w', [10, 4], ints(40, 10, -127, 127), 'int8');
    b.node('MatMulInteger', [x, w, b.init('xz', [], [130], 'uint8')], {}, ['y']);
    output(b, 'y', 'int32');
    cases.push({ name: 'MatMulInteger', graph: b.build(), shape: [3, 10], inputType: 'uint8', ops: ['sparq.QGemm', 'Cast'] });
  }
  {
    // com.microsoft QLinearMul with a per-channel broadcast operand.
    const b = new QdqBuilder(17);
    b.g.otherOpsets['com.microsoft'] = 1;
    const x = b.input('x', [1, 4, 3, 3]);
    const p = (name: string, a: { scale: number; zp: number }) => [b.init(`${name}_s`, [], [a.scale]), b.init(`${name}_z`, [], [a.zp], 'uint8')];
    const gate = b.q(b.node('GlobalAveragePool', [x]), B);
    const product = b.node('QLinearMul', [b.q(x, A), ...p('a', A), gate, ...p('b', B), ...p('c', OUT)], {}, undefined, 'com.microsoft');
    b.node('DequantizeLinear', [product, ...p('o', OUT)], {}, ['y']);
    output(b, 'y');
    cases.push({
      name: 'com.microsoft QLinearMul (per-channel broadcast)',
      graph: b.build(),
      shape: [1, 4, 3, 3],
      ops: ['GlobalAveragePool', 'sparq.QuantizeLinear', 'sparq.QuantizeLinear', 'sparq.QMul', 'sparq.DequantizeLinear'],
      outScale: OUT.scale,
    });
  }
  {
    // com.microsoft contrib ops: QLinearAdd → QLinearGlobalAveragePool, and QLinearConcat of the two.
    const b = new QdqBuilder(17);
    b.g.otherOpsets['com.microsoft'] = 1;
    const x = b.input('x', [1, 3, 5, 5]);
    const p = (name: string, a: { scale: number; zp: number }) => [b.init(`${name}_s`, [], [a.scale]), b.init(`${name}_z`, [], [a.zp], 'uint8')];
    const xa = b.q(x, A);
    const xb = b.q(b.node('Neg', [x]), B);
    const sum = b.node('QLinearAdd', [xa, ...p('a', A), xb, ...p('b', B), ...p('c', OUT)], {}, undefined, 'com.microsoft');
    const cat = b.node('QLinearConcat', [...p('y', OUT), sum, ...p('c1', OUT), xa, ...p('a1', A)], { axis: 1 }, undefined, 'com.microsoft');
    const pool = b.node('QLinearGlobalAveragePool', [cat, ...p('p', OUT), ...p('g', B)], {}, undefined, 'com.microsoft');
    b.node('DequantizeLinear', [pool, ...p('o', B)], {}, ['y']);
    output(b, 'y');
    cases.push({
      name: 'com.microsoft QLinearAdd / QLinearConcat / QLinearGlobalAveragePool',
      graph: b.build(),
      shape: [1, 3, 5, 5],
      ops: ['Neg', 'sparq.QuantizeLinear', 'sparq.QuantizeLinear', 'sparq.QAdd', 'sparq.QConcat', 'sparq.QGlobalAveragePool', 'sparq.DequantizeLinear'],
      outScale: B.scale,
    });
  }
  return cases;
}
