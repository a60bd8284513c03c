/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** The engine end to end against onnxruntime-node on small models: fused epilogues, NHWC layout boundaries, one native call per run. */
import { Engine, Tensor, native } from '../lib/index';
import type { Graph } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder, float, randomFloats } from './support/graph-builder';
import { maxAbsError, ortEval } from './support/ort';

interface Case {
  graph: Graph;
  /** Input shapes (float32 inputs filled with random data). */
  shapes: Record<string, number[]>;
  /** Op types the compiled plan must (not) contain, checks that fusion / layout did what it should. */
  planHas?: string[];
  planLacks?: string[];
}

async function compare(c: Case, tolerance = 1e-4): Promise<void> {
  const bytes = encodeModel(c.graph);
  const feeds: Record<string, Tensor> = {};
  const ortFeeds: Record<string, { type: string; dims: number[]; data: Float32Array }> = {};
  let seed = 11;
  for (const [name, dims] of Object.entries(c.shapes)) {
    const data = randomFloats(dims.reduce((a, b) => a * b, 1), seed++, -2, 2);
    feeds[name] = new Tensor('float32', data, dims);
    ortFeeds[name] = { type: 'float32', dims, data };
  }
  const ref = await ortEval(bytes, ortFeeds);
  const engine = await Engine.load(bytes, { threads: 2 });
  try {
    const got = await engine.run(feeds);
    const gotSync = engine.runSync(feeds);
    for (const out of c.graph.outputs) {
      expect(got[out.name].dims).toEqual(ref[out.name].dims);
      const { err, refMax } = maxAbsError(got[out.name].data as Float32Array, ref[out.name].data);
      expect(refMax).toBeGreaterThan(0);
      if (err > tolerance * Math.max(1, refMax)) throw new Error(`output ${out.name}: max error ${err} (ref max ${refMax})`);
      expect(Array.from(gotSync[out.name].data as Float32Array)).toEqual(Array.from(got[out.name].data as Float32Array));
    }
    const types = engine.profile().map((p) => p.type);
    for (const t of c.planHas ?? []) expect(types).toContain(t);
    for (const t of c.planLacks ?? []) expect(types).not.toContain(t);
  } finally {
    engine.dispose();
  }
}

describe('fused epilogues match onnxruntime', () => {
  test('conv + bn + relu', async () => {
    const b = new GraphBuilder(13);
    const y = b.node('Relu', [b.batchNorm(b.conv(b.input('x', [1, 3, 8, 8]), 3, 8, 3, { pads: [1, 1, 1, 1] }), 8)], {}, ['y']);
    b.output(y, [1, 8, 8, 8]);
    await compare({ graph: b.build(), shapes: { x: [1, 3, 8, 8] }, planHas: ['Conv'], planLacks: ['Relu', 'ChannelAffine'] });
  });

  test.each([
    ['x*Clip(x+3,0,6)/6', (b: GraphBuilder, c: string) => b.node('Div', [b.node('Mul', [c, b.node('Clip', [b.node('Add', [c, b.scalar(3)]), b.scalar(0), b.scalar(6)])]), b.scalar(6)], {}, ['y'])],
    ['x*Clip(x+3,0,6)*(1/6)', (b: GraphBuilder, c: string) => b.node('Mul', [b.node('Mul', [c, b.node('Clip', [b.node('Add', [c, b.scalar(3)]), b.scalar(0), b.scalar(6)])]), b.scalar(1 / 6)], {}, ['y'])],
    ['x*HardSigmoid(x)', (b: GraphBuilder, c: string) => b.node('Mul', [c, b.node('HardSigmoid', [c], { alpha: float(1 / 6), beta: float(0.5) })], {}, ['y'])],
    ['x*Sigmoid(x)', (b: GraphBuilder, c: string) => b.node('Mul', [c, b.node('Sigmoid', [c])], {}, ['y'])],
  ])('conv + %s', async (_, act) => {
    const b = new GraphBuilder(13);
    const c = b.conv(b.input('x', [2, 4, 7, 7]), 4, 6, 3, { strides: [2, 2], pads: [1, 1, 1, 1] });
    b.output(act(b, c), [2, 6, 4, 4]);
    await compare({ graph: b.build(), shapes: { x: [2, 4, 7, 7] }, planHas: ['Conv'], planLacks: ['Mul', 'Div', 'Clip', 'Sigmoid'] });
  });

  test('residual add + relu (ResNet basic block)', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 8, 6, 6]);
    const h = b.node('Relu', [b.conv(x, 8, 8, 3, { pads: [1, 1, 1, 1] })]);
    const y = b.node('Relu', [b.node('Add', [b.conv(h, 8, 8, 3, { pads: [1, 1, 1, 1] }), x])], {}, ['y']);
    b.output(y, [1, 8, 6, 6]);
    await compare({ graph: b.build(), shapes: { x: [1, 8, 6, 6] }, planLacks: ['Add', 'Relu'] });
  });

  test('an Add that broadcasts is not fused as a residual (split and re-checked on concrete shapes)', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', ['n', 4, 5, 5]);
    const s = b.input('s', ['n', 4, 1, 1]);
    const y = b.node('Relu', [b.node('Add', [b.conv(x, 4, 4, 3, { pads: [1, 1, 1, 1] }), s])], {}, ['y']);
    b.output(y, ['n', 4, 5, 5]);
    await compare({ graph: b.build(), shapes: { x: [2, 4, 5, 5], s: [2, 4, 1, 1] }, planHas: ['Add'] });
  });

  test('matmul + add(bias) and gemm + add(residual)', async () => {
    const b = new GraphBuilder(13);
    const a = b.input('a', [5, 12]);
    const m = b.node('Add', [b.node('MatMul', [a, b.init('B', [12, 7])]), b.init('bias', [7])]);
    const g = b.node('Gemm', [a, b.init('W', [7, 12]), b.init('C', [7])], { transB: 1 });
    b.output(b.node('Relu', [b.node('Add', [g, m])], {}, ['y']), [5, 7]);
    await compare({ graph: b.build(), shapes: { a: [5, 12] }, planLacks: ['Add', 'Relu'] });
  });

  test('tanh-approximate gelu (GPT-2 style) runs as one Gelu op', async () => {
    const b = new GraphBuilder(13);
    const x = b.node('MatMul', [b.input('x', [2, 5, 16]), b.init('W', [16, 16])]);
    const inner = b.node('Add', [x, b.node('Mul', [b.node('Pow', [x, b.scalar(3)]), b.scalar(0.044715)])]);
    const t = b.node('Tanh', [b.node('Mul', [b.scalar(0.7978845608028654), inner])]);
    b.output(b.node('Mul', [b.node('Mul', [x, b.scalar(0.5)]), b.node('Add', [b.scalar(1), t])], {}, ['y']), [2, 5, 16]);
    await compare({ graph: b.build(), shapes: { x: [2, 5, 16] }, planHas: ['Gelu'], planLacks: ['Tanh', 'Pow'] });
  });

  test('gemm + clip(-1, 2) (alpha_act / beta_act) and conv-transpose + leaky relu', async () => {
    const b = new GraphBuilder(13);
    const g = b.node('Gemm', [b.input('a', [3, 8]), b.init('W', [8, 5]), b.init('C', [5])]);
    b.output(b.node('Clip', [g, b.scalar(-1), b.scalar(2)], {}, ['y']), [3, 5]);
    const ct = b.node('ConvTranspose', [b.input('x', [1, 4, 3, 3]), b.init('w', [4, 2, 3, 3]), b.init('bt', [2])], { strides: [2, 2] });
    b.output(b.node('LeakyRelu', [ct], { alpha: float(0.1) }, ['z']), [1, 2, 7, 7]);
    await compare({ graph: b.build(), shapes: { a: [3, 8], x: [1, 4, 3, 3] }, planLacks: ['Clip', 'LeakyRelu'] });
  });

  test('gelu erf form (PyTorch export) after MatMul', async () => {
    const b = new GraphBuilder(13);
    const x = b.node('MatMul', [b.input('x', [2, 3, 16]), b.init('W', [16, 16])]);
    const erf = b.node('Erf', [b.node('Div', [x, b.scalar(1.4142135381698608)])]);
    const y = b.node('Mul', [b.node('Mul', [x, b.node('Add', [erf, b.scalar(1)])]), b.scalar(0.5)], {}, ['y']);
    b.output(y, [2, 3, 16]);
    await compare({ graph: b.build(), shapes: { x: [2, 3, 16] }, planLacks: ['Erf', 'Mul'] });
  });
});

describe('layout: NHWC inside, NCHW at the boundary', () => {
  test('flatten after conv, then gemm', async () => {
    const b = new GraphBuilder(13);
    const c = b.node('Relu', [b.conv(b.input('x', [2, 3, 5, 5]), 3, 4, 3)]);
    const f = b.node('Flatten', [c], { axis: 1 });
    b.output(b.node('Gemm', [f, b.init('W', [36, 6])], {}, ['y']), [2, 6]);
    await compare({ graph: b.build(), shapes: { x: [2, 3, 5, 5] }, planHas: ['Transpose'] });
  });

  test('reshape after conv; concat on axis 1 of a conv output and a graph input; per-channel Mul constant', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 3, 6, 6]);
    const c = b.node('Relu', [b.conv(x, 3, 5, 3, { pads: [1, 1, 1, 1] })]);
    const scaled = b.node('Mul', [c, b.init('s', [5, 1, 1])]);
    const cat = b.node('Concat', [scaled, x], { axis: 1 }, ['cat']);
    const pooled = b.node('MaxPool', [cat], { kernel_shape: [2, 2], strides: [2, 2] }, ['pool']);
    b.node('Reshape', [pooled, b.init('shape', [3], [1, 8, 9], 'int64')], {}, ['r']);
    b.output('r', [1, 8, 9]).output('cat', [1, 8, 6, 6]);
    await compare({ graph: b.build(), shapes: { x: [1, 3, 6, 6] } });
  });

  test('global average pool, softmax over channels, reduce-mean keepdims, slice on channels', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 6, 5, 5]);
    const c = b.conv(x, 6, 6, 1);
    const sm = b.node('Softmax', [c], { axis: 1 });
    const red = b.node('ReduceMean', [sm], { axes: [2, 3], keepdims: 1 }, ['red']);
    const gap = b.node('GlobalAveragePool', [c]);
    const sl = b.node('Slice', [b.node('Mul', [gap, red]), b.init('st', [1], [1], 'int64'), b.init('en', [1], [5], 'int64'), b.init('ax', [1], [1], 'int64')], {}, ['y']);
    b.output(sl, [2, 4, 1, 1]).output('red', [2, 6, 1, 1]);
    await compare({ graph: b.build(), shapes: { x: [2, 6, 5, 5] } });
  });

  test('1-D conv (H = 1) and a standalone BatchNormalization', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 3, 10]);
    const w = b.init('w', [4, 3, 3]);
    const c = b.node('Conv', [x, w], { pads: [1, 1], kernel_shape: [3] });
    const n = b.batchNorm(b.node('Sigmoid', [c]), 4);
    b.output(b.node('Identity', [n], {}, ['y']), [2, 4, 10]);
    await compare({ graph: b.build(), shapes: { x: [2, 3, 10] }, planHas: ['ChannelAffine'] });
  });
});

describe('native calls', () => {
  test('exactly one native call per run once the plan exists; a new shape compiles a new plan', async () => {
    const b = new GraphBuilder(13);
    const c = b.node('Relu', [b.conv(b.input('x', ['n', 2, 4, 4]), 2, 3, 3, { pads: [1, 1, 1, 1] })], {}, ['y']);
    b.output(c, ['n', 3, 4, 4]);
    const engine = Engine.loadSync(encodeModel(b.build()));
    const feeds = (n: number) => ({ x: new Tensor('float32', randomFloats(n * 32, n), [n, 2, 4, 4]) });
    engine.runSync(feeds(1));
    const alive = native().stats().plansAlive;
    const before = native().stats().runCalls;
    engine.runSync(feeds(1));
    expect(native().stats().runCalls - before).toBe(1);
    await engine.run(feeds(1));
    expect(native().stats().runCalls - before).toBe(2);
    const out = await engine.run(feeds(3));
    expect(out.y.dims).toEqual([3, 3, 4, 4]);
    expect(native().stats().runCalls - before).toBe(3);
    expect(native().stats().plansAlive).toBe(alive + 1);
    const profile = engine.profile();
    expect(profile.length).toBeGreaterThan(0);
    for (const p of profile) {
      expect(typeof p.name).toBe('string');
      expect(typeof p.kernel).toBe('string');
      expect(p.ms).toBeGreaterThanOrEqual(0);
    }
    engine.dispose();
    expect(native().stats().plansAlive).toBe(alive - 1);
  });

  test('run() leaves the event loop free while the plan runs; concurrent runs all return their own results', async () => {
    const b = new GraphBuilder(13);
    // ~2 GFLOP per run (~6 ms on Winograd): long enough that the loop turns many times while the workers compute,
    // even when other processes take a scheduler time slice from the main thread.
    let h = b.input('x', ['n', 32, 96, 96]);
    for (let i = 0; i < 6; i++) h = b.node('Relu', [b.conv(h, 32, 32, 3, { pads: [1, 1, 1, 1] })]);
    b.node('Identity', [h], {}, ['y']);
    b.output('y', ['n', 32, 96, 96]);
    const engine = Engine.loadSync(encodeModel(b.build()), { threads: 1 });
    const feeds = (seed: number) => ({ x: new Tensor('float32', randomFloats(2 * 32 * 96 * 96, seed), [2, 32, 96, 96]) });
    // Six runs in flight: with Winograd each takes only milliseconds, and on a loaded machine two runs could finish
    // before the main thread is scheduled twice.
    const seeds = [1, 2, 3, 4, 5, 6];
    const expected = seeds.map((seed) => engine.runSync(feeds(seed)).y.data as Float32Array);
    // The first async run of an engine starts its worker: count the loop's turns while warm runs compute (cold, the
    // six runs sometimes finished within two turns once the 3x3 convs got faster).
    await engine.run(feeds(0));
    let ticks = 0;
    let running = true;
    const spin = () => {
      ticks++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const results = await Promise.all(seeds.map((seed) => engine.run(feeds(seed))));
    running = false;
    expect(ticks).toBeGreaterThan(2);
    results.forEach((r, i) => expect(Array.from(r.y.data as Float32Array)).toEqual(Array.from(expected[i])));
    engine.dispose();
  });

  test('a model with static input shapes gets its plan at load; the first run only runs', () => {
    const b = new GraphBuilder(13);
    b.node('Relu', [b.conv(b.input('x', [1, 2, 4, 4]), 2, 3, 3)], {}, ['y']);
    b.output('y', [1, 3, 2, 2]);
    const base = native().stats().plansAlive;
    const engine = Engine.loadSync(encodeModel(b.build()));
    expect(native().stats().plansAlive - base).toBe(1);
    const calls = native().stats().runCalls;
    engine.runSync({ x: new Tensor('float32', randomFloats(32, 3), [1, 2, 4, 4]) });
    expect(native().stats().runCalls - calls).toBe(1);
    expect(native().stats().plansAlive - base).toBe(1);
    engine.dispose();
    expect(native().stats().plansAlive).toBe(base);
  });

  test('plans are cached per input-shape signature, at most 8 (least recently used evicted)', () => {
    const b = new GraphBuilder(13);
    b.node('Relu', [b.input('x', ['n', 3])], {}, ['y']);
    b.output('y', ['n', 3]);
    const engine = Engine.loadSync(encodeModel(b.build()));
    const base = native().stats().plansAlive;
    for (let n = 1; n <= 12; n++) engine.runSync({ x: new Tensor('float32', new Float32Array(3 * n), [n, 3]) });
    expect(native().stats().plansAlive - base).toBe(8);
    const calls = native().stats().runCalls;
    engine.runSync({ x: new Tensor('float32', new Float32Array(36), [12, 3]) });
    expect(native().stats().plansAlive - base).toBe(8);
    expect(native().stats().runCalls - calls).toBe(1);
    engine.dispose();
    expect(native().stats().plansAlive).toBe(base);
  });
});
