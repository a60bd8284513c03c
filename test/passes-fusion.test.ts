/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Load-time passes: BN folding, activation patterns, epilogue fusions — node structure, and numerics where ONNX can express the result. */
import type { Graph, Node } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { foldBatchNorms } from '../lib/passes/batchnorm-folding';
import { optimizeGraph } from '../lib/passes/pipeline';
import { GraphBuilder, float, opTypes, randomFloats } from './support/graph-builder';
import { maxAbsError, ortEval } from './support/ort';

function only(g: Graph, opType: string): Node {
  const found = g.nodes.filter((n) => n.opType === opType);
  expect(found).toHaveLength(1);
  return found[0];
}

function activation(n: Node): unknown {
  return n.attrs.activation?.kind === 'string' ? n.attrs.activation.value : undefined;
}

describe('BatchNormalization folding', () => {
  test('Conv + BN + Relu becomes one Conv with relu, numerics unchanged (ORT on folded vs original)', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 3, 6, 6]);
    const y = b.node('Relu', [b.batchNorm(b.conv(x, 3, 4, 3, { pads: [1, 1, 1, 1] }), 4)], {}, ['y']);
    b.output(y, [1, 4, 6, 6]);
    const g = b.build();

    const folded = foldBatchNorms(optimizeGraph(g, { fuse: false }));
    expect(opTypes(folded)).toEqual(['Conv', 'Relu']);
    const data = randomFloats(108, 5);
    const feeds = { x: { type: 'float32', dims: [1, 3, 6, 6], data } };
    const ref = await ortEval(encodeModel(g), feeds);
    const got = await ortEval(encodeModel(folded), feeds);
    const { err, refMax } = maxAbsError(got.y.data, ref.y.data);
    expect(refMax).toBeGreaterThan(0.1);
    expect(err).toBeLessThan(1e-5 * Math.max(1, refMax));

    const fused = optimizeGraph(g);
    expect(opTypes(fused)).toEqual(['Conv']);
    expect(activation(fused.nodes[0])).toBe('relu');
    expect(fused.nodes[0].outputs).toEqual(['y']);
  });

  test('ConvTranspose (group 2) + BN folds; numerics unchanged', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 4, 3, 3]);
    const w = b.init('w', [4, 3, 2, 2]);
    const ct = b.node('ConvTranspose', [x, w], { group: 2, strides: [2, 2] });
    b.output(b.batchNorm(ct, 6), [1, 6, 6, 6]);
    const g = b.build();
    const folded = optimizeGraph(g, { fuse: false });
    expect(opTypes(folded)).toEqual(['ConvTranspose']);
    const feeds = { x: { type: 'float32', dims: [1, 4, 3, 3], data: randomFloats(36, 9) } };
    const name = g.outputs[0].name;
    const ref = await ortEval(encodeModel(g), feeds);
    const got = await ortEval(encodeModel(folded), feeds);
    const { err, refMax } = maxAbsError(got[name].data, ref[name].data);
    expect(err).toBeLessThan(1e-5 * Math.max(1, refMax));
  });

  test('Gemm (transB) + BN folds; numerics unchanged', async () => {
    const b = new GraphBuilder(13);
    const a = b.input('a', [2, 5]);
    const gemm = b.node('Gemm', [a, b.init('B', [3, 5]), b.init('C', [3])], { transB: 1, alpha: float(0.5), beta: float(2) });
    b.output(b.batchNorm(gemm, 3), [2, 3]);
    const g = b.build();
    const folded = optimizeGraph(g, { fuse: false });
    expect(opTypes(folded)).toEqual(['Gemm']);
    const feeds = { a: { type: 'float32', dims: [2, 5], data: randomFloats(10, 3) } };
    const name = g.outputs[0].name;
    const ref = await ortEval(encodeModel(g), feeds);
    const got = await ortEval(encodeModel(folded), feeds);
    const { err, refMax } = maxAbsError(got[name].data, ref[name].data);
    expect(err).toBeLessThan(1e-5 * Math.max(1, refMax));
  });

  test('BN whose input has another consumer, or is a graph output, stays', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 2, 4, 4]);
    const c = b.conv(x, 2, 2, 1);
    const bn = b.batchNorm(c, 2);
    b.output(bn, [1, 2, 4, 4]).output(c, [1, 2, 4, 4]);
    expect(opTypes(optimizeGraph(b.build()))).toEqual(['Conv', 'BatchNormalization']);
  });
});

describe('per-channel affine folding into Conv', () => {
  test('Conv → Mul([M,1,1]) → Add([1,M,1,1]) → Mul(scalar) folds into the Conv; numerics unchanged', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 3, 5, 5]);
    const c = b.conv(x, 3, 4, 3, { pads: [1, 1, 1, 1] });
    const m = b.node('Mul', [b.init('s', [4, 1, 1]), c]);
    const a = b.node('Add', [m, b.init('t', [1, 4, 1, 1])]);
    b.output(b.node('Mul', [a, b.scalar(0.5)], {}, ['y']), [2, 4, 5, 5]);
    const g = b.build();
    const folded = optimizeGraph(g, { fuse: false });
    expect(opTypes(folded)).toEqual(['Conv']);
    const feeds = { x: { type: 'float32', dims: [2, 3, 5, 5], data: randomFloats(150, 4) } };
    const ref = await ortEval(encodeModel(g), feeds);
    const got = await ortEval(encodeModel(folded), feeds);
    const { err, refMax } = maxAbsError(got.y.data, ref.y.data);
    expect(refMax).toBeGreaterThan(0.1);
    expect(err).toBeLessThan(1e-5 * Math.max(1, refMax));
  });

  test('a Mul that is not per-channel (per-pixel [1,1,5,5]) stays', () => {
    const b = new GraphBuilder(13);
    const c = b.conv(b.input('x', [1, 3, 5, 5]), 3, 4, 3, { pads: [1, 1, 1, 1] });
    b.output(b.node('Mul', [c, b.init('s', [1, 1, 5, 5])]), [1, 4, 5, 5]);
    expect(opTypes(optimizeGraph(b.build(), { fuse: false }))).toEqual(['Conv', 'Mul']);
  });
});

describe('activation patterns and fusion', () => {
  function convThen(build: (b: GraphBuilder, c: string) => string, opset = 13): Graph {
    const b = new GraphBuilder(opset);
    const x = b.input('x', [1, 2, 4, 4]);
    const c = b.conv(x, 2, 3, 3, { pads: [1, 1, 1, 1] });
    b.output(build(b, c), [1, 3, 4, 4]);
    return optimizeGraph(b.build());
  }
  const clip06 = (b: GraphBuilder, v: string) => b.node('Clip', [v, b.scalar(0), b.scalar(6)]);
  const plus3 = (b: GraphBuilder, v: string) => b.node('Add', [v, b.scalar(3)]);

  test.each([
    ['x * Clip(x+3,0,6) / 6', (b: GraphBuilder, c: string) => b.node('Div', [b.node('Mul', [c, clip06(b, plus3(b, c))]), b.scalar(6)])],
    ['x * Clip(x+3,0,6) * (1/6)', (b: GraphBuilder, c: string) => b.node('Mul', [b.node('Mul', [clip06(b, plus3(b, c)), c]), b.scalar(1 / 6)])],
    ['x * (Clip(3+x,0,6) / 6)', (b: GraphBuilder, c: string) => b.node('Mul', [c, b.node('Div', [clip06(b, b.node('Add', [b.scalar(3), c])), b.scalar(6)])])],
    ['x * HardSigmoid(x, 1/6, 0.5)', (b: GraphBuilder, c: string) => b.node('Mul', [c, b.node('HardSigmoid', [c], { alpha: float(1 / 6), beta: float(0.5) })])],
    ['HardSwish', (b: GraphBuilder, c: string) => b.node('HardSwish', [c])],
  ])('Conv + %s → Conv(hard_swish)', (_, build) => {
    const g = convThen(build, 14);
    expect(opTypes(g)).toEqual(['Conv']);
    expect(activation(g.nodes[0])).toBe('hard_swish');
    expect(g.nodes[0].outputs[0]).toBe(g.outputs[0].name);
  });

  test.each([
    ['x * Sigmoid(x)', (b: GraphBuilder, c: string) => b.node('Mul', [c, b.node('Sigmoid', [c])]), 'silu'],
    ['Sigmoid(x) * x', (b: GraphBuilder, c: string) => b.node('Mul', [b.node('Sigmoid', [c]), c]), 'silu'],
    [
      '0.5*x*(1+Erf(x/sqrt2)) (PyTorch)',
      (b: GraphBuilder, c: string) =>
        b.node('Mul', [b.node('Mul', [c, b.node('Add', [b.node('Erf', [b.node('Div', [c, b.scalar(1.4142135381698608)])]), b.scalar(1)])]), b.scalar(0.5)]),
      'gelu',
    ],
    [
      '(x*0.5)*(1+Erf(x*0.7071))',
      (b: GraphBuilder, c: string) =>
        b.node('Mul', [b.node('Mul', [c, b.scalar(0.5)]), b.node('Add', [b.scalar(1), b.node('Erf', [b.node('Mul', [c, b.scalar(0.7071067811865476)])])])]),
      'gelu',
    ],
    ['Clip(0, 6) attrs (opset 6 style)', (b: GraphBuilder, c: string) => b.node('Clip', [c, b.scalar(0), b.scalar(6)]), 'clip'],
    ['LeakyRelu', (b: GraphBuilder, c: string) => b.node('LeakyRelu', [c], { alpha: float(0.2) }), 'leaky_relu'],
    ['Tanh', (b: GraphBuilder, c: string) => b.node('Tanh', [c]), 'tanh'],
    ['Sigmoid', (b: GraphBuilder, c: string) => b.node('Sigmoid', [c]), 'sigmoid'],
    ['HardSigmoid', (b: GraphBuilder, c: string) => b.node('HardSigmoid', [c]), 'hard_sigmoid'],
  ])('Conv + %s fuses into the Conv epilogue', (_, build, act) => {
    const g = convThen(build);
    expect(opTypes(g)).toEqual(['Conv']);
    expect(activation(g.nodes[0])).toBe(act);
  });

  test('clip bounds and leaky alpha travel as activation_alpha / activation_beta', () => {
    const g = convThen((b, c) => b.node('Clip', [c, b.scalar(-1), b.scalar(2.5)]));
    expect(g.nodes[0].attrs.activation_alpha).toEqual({ kind: 'float', value: -1 });
    expect(g.nodes[0].attrs.activation_beta).toEqual({ kind: 'float', value: 2.5 });
  });

  test('standalone patterns (input not from a fusable op) become one HardSwish / Silu / Gelu node', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 8]);
    const hs = b.node('Div', [b.node('Mul', [x, b.node('Clip', [b.node('Add', [x, b.scalar(3)]), b.scalar(0), b.scalar(6)])]), b.scalar(6)]);
    const silu = b.node('Mul', [hs, b.node('Sigmoid', [hs])]);
    const gelu = b.node('Mul', [b.node('Mul', [silu, b.node('Add', [b.node('Erf', [b.node('Div', [silu, b.scalar(Math.SQRT2)])]), b.scalar(1)])]), b.scalar(0.5)]);
    b.output(gelu, [2, 8]);
    expect(opTypes(optimizeGraph(b.build()))).toEqual(['HardSwish', 'sparq.Silu', 'Gelu']);
  });

  test.each([
    ['Pow(x, 3)', (b: GraphBuilder, x: string) => b.node('Pow', [x, b.scalar(3)])],
    ['(x*x)*x', (b: GraphBuilder, x: string) => b.node('Mul', [b.node('Mul', [x, x]), x])],
  ])('tanh-approximate Gelu with %s becomes Gelu(approximate=tanh), not fused into MatMul', (_, cube) => {
    const b = new GraphBuilder(13);
    const x = b.node('MatMul', [b.input('a', [2, 8]), b.init('W', [8, 8])]);
    const inner = b.node('Add', [x, b.node('Mul', [b.scalar(0.044715), cube(b, x)])]);
    const t = b.node('Tanh', [b.node('Mul', [inner, b.scalar(Math.sqrt(2 / Math.PI))])]);
    b.output(b.node('Mul', [b.node('Mul', [b.scalar(0.5), x]), b.node('Add', [t, b.scalar(1)])]), [2, 8]);
    const g = optimizeGraph(b.build());
    expect(opTypes(g)).toEqual(['MatMul', 'Gelu']);
    expect(g.nodes[1].attrs.approximate).toEqual({ kind: 'string', value: 'tanh' });
  });

  test('no fusion when the intermediate is a graph output or has two consumers', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 2, 4, 4]);
    const c = b.conv(x, 2, 2, 1);
    b.output(b.node('Relu', [c]), [1, 2, 4, 4]).output(c, [1, 2, 4, 4]);
    expect(opTypes(optimizeGraph(b.build()))).toEqual(['Conv', 'Relu']);

    const b2 = new GraphBuilder(13);
    const x2 = b2.input('x', [1, 2, 4, 4]);
    const c2 = b2.conv(x2, 2, 2, 1);
    b2.output(b2.node('Relu', [c2]), [1, 2, 4, 4]).output(b2.node('Sigmoid', [c2]), [1, 2, 4, 4]);
    expect(opTypes(optimizeGraph(b2.build()))).toEqual(['Conv', 'Relu', 'Sigmoid']);
  });
});

describe('residual and bias fusion', () => {
  test('Conv + Add(skip) + Relu → Conv with residual input 3 and relu', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 4, 5, 5]);
    const c1 = b.node('Relu', [b.conv(x, 4, 4, 3, { pads: [1, 1, 1, 1] })]);
    const c2 = b.conv(c1, 4, 4, 3, { pads: [1, 1, 1, 1] });
    const y = b.node('Relu', [b.node('Add', [c2, x])], {}, ['y']);
    b.output(y, [1, 4, 5, 5]);
    const g = optimizeGraph(b.build());
    expect(opTypes(g)).toEqual(['Conv', 'Conv']);
    const last = g.nodes[1];
    expect(last.inputs[3]).toBe('x');
    expect(activation(last)).toBe('relu');
    expect(last.outputs).toEqual(['y']);
  });

  test('the later producer takes the residual; the fused node moves to the Add', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 2, 3, 3]);
    const a = b.conv(x, 2, 2, 1);
    const c = b.conv(x, 2, 2, 1);
    b.output(b.node('Add', [a, c], {}, ['y']), [1, 2, 3, 3]);
    const g = optimizeGraph(b.build());
    expect(opTypes(g)).toEqual(['Conv', 'Conv']);
    expect(g.nodes[1].inputs[3]).toBe(g.nodes[0].outputs[0]);
  });

  test('MatMul + Add(const [N]) → MatMul with bias; Gemm + Add + Relu gets residual and relu', () => {
    const b = new GraphBuilder(13);
    const a = b.input('a', [3, 4]);
    const mm = b.node('MatMul', [a, b.init('B', [4, 6])]);
    const biased = b.node('Add', [mm, b.init('bias', [6])]);
    const gm = b.node('Gemm', [a, b.init('W', [6, 4])], { transB: 1 });
    b.output(b.node('Relu', [b.node('Add', [gm, biased])], {}, ['y']), [3, 6]);
    const g = optimizeGraph(b.build());
    expect(opTypes(g)).toEqual(['MatMul', 'Gemm']);
    expect(g.nodes[0].inputs).toEqual(['a', 'B', 'bias']);
    expect(g.nodes[1].inputs[3]).toBe(g.nodes[0].outputs[0]);
    expect(activation(g.nodes[1])).toBe('relu');
  });

  test('a constant addend is not a residual; a bias of the wrong length is not a MatMul bias', () => {
    const b = new GraphBuilder(13);
    const a = b.input('a', [3, 4]);
    const mm = b.node('MatMul', [a, b.init('B', [4, 6])]);
    b.output(b.node('Add', [mm, b.init('full', [3, 6])]), [3, 6]);
    expect(opTypes(optimizeGraph(b.build()))).toEqual(['MatMul', 'Add']);
  });
});
