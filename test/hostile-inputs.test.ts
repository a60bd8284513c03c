/**
 * Hostile feeds at the API: wrong types/ranks/shapes, missing or extra feeds, lying arrays, detached, resizable and
 * shared buffers, NaN/Inf (checked against onnxruntime-node), out-of-range indices, memory cap.
 * @jest-environment ./test/support/ort-environment.js
 */
import { Engine, Tensor } from '../lib/index';
import { NativeError, SparqError } from '../lib/errors';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder } from './support/graph-builder';
import { ortEval } from './support/ort';

/** x [n, 3] float32 → y = Relu(x + 1); ids [2] int64 → z = Gather(table [4, 2], ids). */
function model(): Uint8Array {
  const b = new GraphBuilder(13);
  const x = b.input('x', ['n', 3]);
  const ids = b.input('ids', [2], 'int64');
  const one = b.scalar(1);
  const sum = b.node('Add', [x, one]);
  b.node('Relu', [sum], {}, ['y']);
  const table = b.init('table', [4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);
  b.node('Gather', [table, ids], { axis: 0 }, ['z']);
  b.output('y', ['n', 3]).output('z', [2, 2]);
  return encodeModel(b.build());
}

let engine: Engine;
beforeAll(() => {
  engine = Engine.loadSync(model(), { threads: 1 });
});
afterAll(() => engine.dispose());

const ids = () => new Tensor('int64', new BigInt64Array([1n, 3n]), [2]);
const x = (values: number[]) => new Tensor('float32', new Float32Array(values), [values.length / 3, 3]);

/** Both entry points must refuse the same way. */
async function refuses(feeds: unknown, type: new (...args: never[]) => Error, message: string | RegExp): Promise<void> {
  expect(() => engine.runSync(feeds as never)).toThrow(type);
  expect(() => engine.runSync(feeds as never)).toThrow(message);
  await expect(engine.run(feeds as never)).rejects.toThrow(type);
  await expect(engine.run(feeds as never)).rejects.toThrow(message);
}

describe('feeds that do not match the model are refused naming the input', () => {
  test('a correct feed runs (baseline for everything below)', async () => {
    const out = await engine.run({ x: x([-2, 0, 1]), ids: ids() });
    expect(Array.from(out.y.data as Float32Array)).toEqual([0, 1, 2]);
    expect(Array.from(out.z.data as Float32Array)).toEqual([10, 11, 30, 31]);
  });

  test('feeds that are not an object', async () => {
    for (const bad of [undefined, null, 3, 'x', [x([1, 2, 3])], x([1, 2, 3])]) {
      await refuses(bad, TypeError, /for feeds but received/);
    }
  });

  test('missing and extra feeds', async () => {
    await refuses({ x: x([1, 2, 3]) }, TypeError, 'Expected a Tensor for input "ids" but received undefined');
    await refuses({ x: x([1, 2, 3]), ids: ids(), extra: ids() }, TypeError, 'Expected one of the input names "x", "ids" for feeds but received "extra"');
  });

  test('wrong element type, as a Tensor and as a lying tensor-like object', async () => {
    await refuses({ x: new Tensor('int32', new Int32Array(3), [1, 3]), ids: ids() }, TypeError, 'Expected a float32 tensor for input "x" but received an int32 tensor');
    await refuses({ x: x([1, 2, 3]), ids: new Tensor('int32', new Int32Array(2), [2]) }, TypeError, 'Expected an int64 tensor for input "ids" but received an int32 tensor');
    await refuses({ x: { type: 'float32', data: new Float64Array(3), dims: [1, 3] }, ids: ids() }, TypeError, 'Expected a Float32Array for input "x" data but received Float64Array(3)');
    await refuses({ x: { type: 'float32', data: [1, 2, 3], dims: [1, 3] }, ids: ids() }, TypeError, /Expected a Float32Array for input "x" data/);
    await refuses({ x: { type: 'float16', data: new Float32Array(3), dims: [1, 3] }, ids: ids() }, TypeError, 'Expected a float32 tensor for input "x" but received "float16"');
  });

  test('wrong rank and wrong static dims', async () => {
    await refuses({ x: new Tensor('float32', new Float32Array(3), [3]), ids: ids() }, RangeError, 'Expected 2 dimensions [n, 3] for input "x" but received dims [3]');
    await refuses({ x: new Tensor('float32', new Float32Array(4), [1, 4]), ids: ids() }, RangeError, 'Expected dims [n, 3] for input "x" but received dims [1, 4]');
    await refuses({ x: x([1, 2, 3]), ids: new Tensor('int64', new BigInt64Array(3), [3]) }, RangeError, 'Expected dims [2] for input "ids" but received dims [3]');
  });

  test('bad dims: negative, fractional, NaN, not an array', async () => {
    for (const dims of [[-1, 3], [1.5, 3], [NaN, 3], 'abc', [1, '3']]) {
      await refuses({ x: { type: 'float32', data: new Float32Array(3), dims }, ids: ids() }, TypeError, /Expected dims of non-negative integers for input "x"/);
    }
  });

  test('data shorter or longer than its dims', async () => {
    await refuses({ x: { type: 'float32', data: new Float32Array(5), dims: [2, 3] }, ids: ids() }, RangeError, 'Expected 6 elements (the product of dims [2, 3]) for input "x" data but received 5 elements');
    await refuses({ x: { type: 'float32', data: new Float32Array(7), dims: [2, 3] }, ids: ids() }, RangeError, /for input "x" data but received 7 elements/);
    // dims whose product is astronomically large are a RangeError, not an allocation.
    await refuses({ x: { type: 'float32', data: new Float32Array(3), dims: [2 ** 40, 3] }, ids: ids() }, RangeError, /for input "x" data but received 3 elements/);
  });

  test('a typed-array subclass that lies about its length is caught by the native byte check', async () => {
    class Float32Array extends globalThis.Float32Array {
      get length(): number {
        return 300;
      }
    }
    const liar = new Float32Array(3);
    const feeds = { x: { type: 'float32', data: liar, dims: [100, 3] }, ids: ids() };
    // The addon's RangeError comes from the host realm, so match on the message rather than the class.
    expect(() => engine.runSync(feeds as never)).toThrow('Expected 1200 bytes for inputs[0] but received 12');
    await expect(engine.run(feeds as never)).rejects.toThrow('Expected 1200 bytes for inputs[0] but received 12');
  });

  test('a detached ArrayBuffer is refused as too short', async () => {
    const data = new globalThis.Float32Array([1, 2, 3]);
    const t = new Tensor('float32', data, [1, 3]);
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(data.length).toBe(0);
    await refuses({ x: t, ids: ids() }, RangeError, 'Expected 3 elements (the product of dims [1, 3]) for input "x" data but received 0 elements');
  });

  test('a resizable ArrayBuffer shrunk after the Tensor was made is refused', async () => {
    const buffer = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(24, { maxByteLength: 64 });
    const data = new globalThis.Float32Array(buffer); // length-tracking view
    data.set([1, 2, 3, 4, 5, 6]);
    const t = new Tensor('float32', data, [2, 3]);
    expect(Array.from((engine.runSync({ x: t, ids: ids() }).y.data as globalThis.Float32Array))).toEqual([2, 3, 4, 5, 6, 7]);
    buffer.resize(12);
    await refuses({ x: t, ids: ids() }, RangeError, /for input "x" data but received 3 elements/);
    buffer.resize(48);
    await refuses({ x: t, ids: ids() }, RangeError, /for input "x" data but received 12 elements/);
  });

  test('SharedArrayBuffer-backed data (also at an offset) is accepted; run() copies it before returning', async () => {
    const shared = new globalThis.Float32Array(new SharedArrayBuffer(32), 8, 3);
    shared.set([-5, 0.5, 2]);
    const t = new Tensor('float32', shared, [1, 3]);
    expect(Array.from(engine.runSync({ x: t, ids: ids() }).y.data as globalThis.Float32Array)).toEqual([0, 1.5, 3]);
    const pending = engine.run({ x: t, ids: ids() });
    shared.set([100, 100, 100]); // after run() returned: must not affect the result
    expect(Array.from((await pending).y.data as globalThis.Float32Array)).toEqual([0, 1.5, 3]);
  });

  test('run() copies its inputs before returning: changing them afterwards does not change the result', async () => {
    const data = new globalThis.Float32Array([-5, 0.5, 2]);
    const pending = engine.run({ x: new Tensor('float32', data, [1, 3]), ids: ids() });
    data.set([100, 100, 100]);
    expect(Array.from((await pending).y.data as globalThis.Float32Array)).toEqual([0, 1.5, 3]);
  });
});

describe('values: NaN/Inf policy and data-dependent checks', () => {
  /** Runs a one-node (or small) model in sparq and onnxruntime on the same data; returns both outputs as strings. */
  async function both(bytes: Uint8Array, dims: number[], data: globalThis.Float32Array): Promise<[string[], string[]]> {
    const e = Engine.loadSync(bytes, { threads: 1 });
    const ours = Array.from(e.runSync({ x: new Tensor('float32', data, dims) }).y.data as globalThis.Float32Array);
    e.dispose();
    const ort = Array.from((await ortEval(bytes, { x: { type: 'float32', dims, data } })).y.data as globalThis.Float32Array);
    // Compare NaN-ness and infinities exactly, finite values to 6 digits.
    const show = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));
    return [ours.map(show), ort.map(show)];
  }

  const SPECIALS = () => new globalThis.Float32Array([NaN, -Infinity, Infinity, -0, 3.5, -3.5, 3.4e38, -3.4e38]);

  test('policy: IEEE semantics; NaN and ±Inf pass through arithmetic ops exactly as in onnxruntime', async () => {
    // (Erf is left out: onnxruntime 1.23 returns erf(NaN) = 1, sparq returns NaN as IEEE/C99 erf does.)
    for (const op of ['Sigmoid', 'Tanh', 'Abs', 'Exp', 'Neg', 'Sqrt', 'Log', 'Reciprocal']) {
      const b = new GraphBuilder(13);
      b.node(op, [b.input('x', [8])], {}, ['y']);
      b.output('y', [8]);
      const [ours, ort] = await both(encodeModel(b.build()), [8], SPECIALS());
      expect({ op, ours }).toEqual({ op, ours: ort });
    }
    const b = new GraphBuilder(13);
    const sum = b.node('Add', [b.input('x', [8]), b.scalar(1)]);
    b.node('Mul', [sum, b.scalar(2)], {}, ['y']);
    b.output('y', [8]);
    const [ours, ort] = await both(encodeModel(b.build()), [8], SPECIALS());
    expect(ours).toEqual(ort);
  });

  test('policy: max-based ops (Relu, MaxPool) may turn NaN into a number; everything else matches onnxruntime', async () => {
    // Known difference: onnxruntime propagates NaN through Relu and MaxPool, sparq's max kernels may return the other operand.
    const relu = new GraphBuilder(13);
    relu.node('Relu', [relu.input('x', [8])], {}, ['y']);
    relu.output('y', [8]);
    const pool = new GraphBuilder(13);
    pool.node('MaxPool', [pool.input('x', [1, 2, 2, 2])], { kernel_shape: [2, 2] }, ['y']);
    pool.output('y', [1, 2, 1, 1]);
    for (const [bytes, dims] of [[encodeModel(relu.build()), [8]], [encodeModel(pool.build()), [1, 2, 2, 2]]] as const) {
      const [ours, ort] = await both(bytes, [...dims], SPECIALS());
      ort.forEach((v, i) => {
        if (v !== 'NaN') expect(ours[i]).toBe(v);
      });
    }
  });

  test('NaN/Inf through conv, pooling, reductions and softmax do not crash; a NaN-free path matches onnxruntime', async () => {
    const b = new GraphBuilder(13);
    const input = b.input('x', [1, 2, 4, 4]);
    const c = b.node('Conv', [input, b.init('w', [2, 2, 3, 3]), b.init('bias', [2])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    const p = b.node('AveragePool', [c], { kernel_shape: [2, 2], strides: [2, 2] });
    const r = b.node('ReduceMean', [p], { axes: [2, 3], keepdims: 0 });
    b.node('Softmax', [r], { axis: -1 }, ['y']);
    b.output('y', [1, 2]);
    const bytes = encodeModel(b.build());
    const data = new globalThis.Float32Array(32).fill(0.25);
    data[5] = NaN;
    let [ours, ort] = await both(bytes, [1, 2, 4, 4], data);
    expect(ours).toEqual(['NaN', 'NaN']);
    expect(ours).toEqual(ort);
    data[5] = Infinity;
    data[6] = -Infinity; // Inf - Inf inside the conv
    [ours, ort] = await both(bytes, [1, 2, 4, 4], data);
    expect(ours).toEqual(ort);
    data.fill(3.4e38); // overflows to Inf in the accumulations
    [ours, ort] = await both(bytes, [1, 2, 4, 4], data);
    expect(ours).toEqual(ort);
  });

  test('Gather indices out of range are a NativeError naming the node, not a read out of bounds', async () => {
    for (const bad of [4n, -5n, 2n ** 40n, -(2n ** 63n), 2n ** 63n - 1n]) {
      const feeds = { x: x([1, 2, 3]), ids: new Tensor('int64', new BigInt64Array([0n, bad]), [2]) };
      expect(() => engine.runSync(feeds)).toThrow(NativeError);
      await expect(engine.run(feeds)).rejects.toThrow(SparqError);
    }
    // Negative indices inside the range count from the end.
    const out = engine.runSync({ x: x([1, 2, 3]), ids: new Tensor('int64', new BigInt64Array([-1n, -4n]), [2]) });
    expect(Array.from(out.z.data as globalThis.Float32Array)).toEqual([30, 31, 0, 1]);
    // The engine is still healthy afterwards.
    expect(Array.from(engine.runSync({ x: x([1, 2, 3]), ids: ids() }).y.data as globalThis.Float32Array)).toEqual([2, 3, 4]);
  });
});

describe('memory cap: plans needing more native memory than options.maxMemoryBytes are refused before allocating', () => {
  test('an input batch that would exceed a small cap is a RangeError; smaller batches still run', async () => {
    const capped = Engine.loadSync(model(), { threads: 1, maxMemoryBytes: 4096 });
    const big = new Tensor('float32', new globalThis.Float32Array(3000), [1000, 3]);
    expect(() => capped.runSync({ x: big, ids: ids() })).toThrow(RangeError);
    expect(() => capped.runSync({ x: big, ids: ids() })).toThrow(/Expected a plan needing at most 4096 bytes \(options\.maxMemoryBytes\) for inputs .*x \[1000, 3\].* but received one needing \d+ bytes/);
    await expect(capped.run({ x: big, ids: ids() })).rejects.toThrow(RangeError);
    expect(Array.from(capped.runSync({ x: x([1, 2, 3]), ids: ids() }).y.data as globalThis.Float32Array)).toEqual([2, 3, 4]);
    capped.dispose();
  });

  test('the default cap refuses a Resize / Expand needing > 4 GiB, without trying to allocate', () => {
    const b = new GraphBuilder(13);
    const input = b.input('x', [1, 1, 4, 4]);
    b.node('Resize', [input, '', b.init('scales', [4], [1, 1, 10000, 10000])], { mode: 'nearest' }, ['y']);
    b.output('y', [1, 1, 40000, 40000]);
    // All dims static: the engine compiles the plan at load, so load itself refuses.
    const bytes = encodeModel(b.build());
    expect(() => Engine.loadSync(bytes, { threads: 1 })).toThrow(RangeError);
    expect(() => Engine.loadSync(bytes, { threads: 1 })).toThrow(/at most \d+ bytes \(options\.maxMemoryBytes\) for inputs x \[1, 1, 4, 4\] but received one needing 6400000080 bytes/);

    const e = new GraphBuilder(13);
    const v = e.input('v', ['n']);
    e.node('Expand', [v, e.init('shape', [2], [40000, 1], 'int64')], {}, ['y']);
    e.output('y', [40000, 'n']);
    const expand = Engine.loadSync(encodeModel(e.build()), { threads: 1 });
    expect(() => expand.runSync({ v: new Tensor('float32', new globalThis.Float32Array(40000), [40000]) })).toThrow(/options\.maxMemoryBytes/);
    expand.dispose();
  });

  test('maxMemoryBytes must be a non-negative safe integer', () => {
    for (const bad of [-1, 1.5, NaN, '1000', 2 ** 60]) {
      expect(() => Engine.loadSync(model(), { maxMemoryBytes: bad as never })).toThrow(RangeError);
      expect(() => Engine.loadSync(model(), { maxMemoryBytes: bad as never })).toThrow(/for options\.maxMemoryBytes but received/);
    }
  });
});
