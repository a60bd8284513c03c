/** Overlapping run() calls on one engine and across engines equal serial results; dispose() during runs is safe and frees the plans. */
import { DisposedError, Engine, Tensor } from '../lib/index';
import { native } from '../lib/native';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder, randomFloats } from './support/graph-builder';

/** Conv + pool + Gemm + Softmax with a symbolic batch, so two batch sizes share one engine's plan cache. */
function model(): Uint8Array {
  const b = new GraphBuilder(13);
  const x = b.input('x', ['n', 3, 8, 8]);
  const c = b.node('Conv', [x, b.init('w', [8, 3, 3, 3]), b.init('b', [8])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const r = b.node('Relu', [c]);
  const p = b.node('MaxPool', [r], { kernel_shape: [2, 2], strides: [2, 2] });
  const f = b.node('Flatten', [p], { axis: 1 });
  const g = b.node('Gemm', [f, b.init('wg', [128, 10]), b.init('bg', [10])]);
  b.node('Softmax', [g], { axis: -1 }, ['y']);
  b.output('y', ['n', 10]);
  return encodeModel(b.build());
}

const BYTES = model();
/** 8 distinct feeds over two batch sizes (1 and 3). */
const FEEDS = Array.from({ length: 8 }, (_, i) => {
  const n = i % 2 === 0 ? 1 : 3;
  return { x: new Tensor('float32', randomFloats(n * 3 * 64, 100 + i), [n, 3, 8, 8]) };
});

function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));
}

describe('concurrent runs', () => {
  let serial: number[][];
  beforeAll(() => {
    const e = Engine.loadSync(BYTES, { threads: 2 });
    serial = FEEDS.map((feed) => bits(e.runSync(feed).y));
    e.dispose();
  });

  test('1,000 overlapping run() calls on one engine give bit-identical results to serial runs', async () => {
    const e = Engine.loadSync(BYTES, { threads: 2 });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => e.run(FEEDS[i % FEEDS.length]).then((out) => [i, out.y] as const)));
    for (const [i, y] of results) {
      expect(y.dims).toEqual([FEEDS[i % FEEDS.length].x.dims[0], 10]);
      if (bits(y).join() !== serial[i % FEEDS.length].join()) throw new Error(`run ${i} differs from the serial result`);
    }
    e.dispose();
  });

  test('1,000 run() calls spread over 4 engines (mixed with runSync) give bit-identical results', async () => {
    const engines = Array.from({ length: 4 }, () => Engine.loadSync(BYTES, { threads: 2 }));
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      const k = i % FEEDS.length;
      const e = engines[(i * 7) % 4];
      if (i % 50 === 0) expect(bits(e.runSync(FEEDS[k]).y)).toEqual(serial[k]);
      pending.push(
        e.run(FEEDS[k]).then((out) => {
          if (bits(out.y).join() !== serial[k].join()) throw new Error(`run ${i} differs from the serial result`);
        }),
      );
    }
    await Promise.all(pending);
    engines.forEach((e) => e.dispose());
  });

  test('dispose() while runs are in flight: those runs finish with correct results, later calls reject, plans are freed', async () => {
    const before = native().stats().plansAlive;
    const e = Engine.loadSync(BYTES, { threads: 2 });
    const inFlight = Array.from({ length: 200 }, (_, i) => e.run(FEEDS[i % FEEDS.length]));
    expect(native().stats().plansAlive).toBe(before + 2); // one plan per batch size
    e.dispose();
    await expect(e.run(FEEDS[0])).rejects.toBeInstanceOf(DisposedError);
    expect(() => e.runSync(FEEDS[0])).toThrow(DisposedError);
    const settled = await Promise.allSettled(inFlight);
    settled.forEach((s, i) => {
      // Queued before dispose(): the native plan is kept alive by its runs, so they complete.
      if (s.status !== 'fulfilled') throw new Error(`run ${i} rejected: ${String(s.reason)}`);
      expect(bits(s.value.y)).toEqual(serial[i % FEEDS.length]);
    });
    // The last in-flight run released the plans on its worker.
    await new Promise((r) => setImmediate(r));
    expect(native().stats().plansAlive).toBe(before);
  });

  test('dispose() from inside a run callback while other runs are queued', async () => {
    const before = native().stats().plansAlive;
    const e = Engine.loadSync(BYTES, { threads: 1 });
    const first = e.run(FEEDS[0]).then((out) => {
      e.dispose();
      return out;
    });
    const rest = Array.from({ length: 50 }, (_, i) => e.run(FEEDS[(i + 1) % FEEDS.length]));
    expect(bits((await first).y)).toEqual(serial[0]);
    const settled = await Promise.allSettled(rest);
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') expect(bits(s.value.y)).toEqual(serial[(i + 1) % FEEDS.length]);
      else expect(s.reason).toBeInstanceOf(Error);
    });
    const late = await Promise.allSettled([e.run(FEEDS[1])]);
    expect(late[0].status).toBe('rejected');
    await new Promise((r) => setImmediate(r));
    expect(native().stats().plansAlive).toBe(before);
  });
});
