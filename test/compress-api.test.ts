/**
 * engine.compress on the Fashion-MNIST fixtures: the chosen model stays within a 1-point top-1 budget on a third
 * split that neither tuning (calibration, evaluate) nor selection (holdout) saw, checked here by running it.
 */
import { Engine, Tensor } from '../lib';
import type { CompressProgressEvent, CompressStrategy } from '../lib';
import { join } from 'path';
import { calibrationFeeds, FASHION_DIR, IMAGE_SIZE, testImages, testLabels } from './support/fashion-mnist-quant';

jest.setTimeout(600_000);

/** Top-1 % of `engine` on test images [from, to). */
function top1(engine: Engine, from: number, to: number): number {
  let correct = 0;
  for (let i = from; i < to; i++) {
    const out = engine.runSync({ input: new Tensor('float32', testImages.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), [1, 1, 28, 28]) });
    const scores = out[engine.outputs[0].name].data as Float32Array;
    let best = 0;
    for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
    if (BigInt(best) === testLabels[i]) correct++;
  }
  return (100 * correct) / (to - from);
}

// 2000 test images: tuning [0, 600), holdout [600, 1200), the test's own check [1200, 2000).
const TUNE: [number, number] = [0, 600];
const HOLDOUT: [number, number] = [600, 1200];
const CHECK: [number, number] = [1200, 2000];

const STRATEGIES: CompressStrategy[] = [
  { name: 'int8' },
  { method: 'minmax', perChannel: false },
  { prune: '2:4' },
  { prune: { channels: 0.25 } },
  { prune: { channels: 0.375 }, ranking: 'thinet' },
];

describe.each(['resnet-fmnist', 'mobilenet-fmnist'])('engine.compress on %s', (model) => {
  test('returns the fastest strategy within 1 point, and it holds on a split it never saw', async () => {
    const engine = await Engine.load(join(FASHION_DIR, `${model}.onnx`), { threads: 1 });
    const events: CompressProgressEvent[] = [];
    const result = await engine.compress({
      calibration: calibrationFeeds(64),
      evaluate: (e) => top1(e, ...TUNE),
      holdout: (e) => top1(e, ...HOLDOUT),
      maxDrop: 1,
      strategies: STRATEGIES,
      latencyRuns: 20,
      onProgress: (ev) => events.push(ev),
    });
    try {
      expect(result.trials.map((t) => t.name)).toEqual(['int8', 'int8 minmax per-tensor', '2:4 + int8', 'channels 0.25 + int8', 'channels 0.375 (thinet) + int8']);
      expect(result.heldOut).toBe(true);
      // The table is what the test measures itself on the same splits.
      const original = top1(engine, ...HOLDOUT);
      expect(result.original.holdout).toBeCloseTo(original, 9);
      expect(result.original.metric).toBeCloseTo(top1(engine, ...TUNE), 9);
      expect(result.chosen.holdout).toBeCloseTo(top1(result.engine, ...HOLDOUT), 9);
      for (const t of result.trials) {
        expect(t.error).toBeUndefined();
        expect(t.latencyMs).toBeGreaterThan(0);
        expect(t.sizeBytes).toBeGreaterThan(0);
        expect(t.drop).toBeCloseTo(result.original.holdout! - t.holdout!, 9);
        expect(t.withinBudget).toBe(t.drop! <= 1 && result.original.metric - t.metric! <= 1);
      }
      expect(result.trials.filter((t) => t.chosen)).toEqual([result.chosen]);
      expect(result.withinBudget).toBe(true);
      // Fastest within budget, up to the 3% latency tie.
      const within = result.trials.filter((t) => t.withinBudget);
      expect(result.chosen.latencyMs!).toBeLessThanOrEqual(1.03 * Math.min(...within.map((t) => t.latencyMs!)));
      // The done-when: within budget on the split nothing was tuned or selected on.
      const checkDrop = top1(engine, ...CHECK) - top1(result.engine, ...CHECK);
      expect(checkDrop).toBeLessThanOrEqual(1);
      expect(events.filter((e) => e.phase === 'strategies').map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(events.some((e) => e.phase === 'calibrate' && e.strategy === 'int8')).toBe(true);
      // eslint-disable-next-line no-console
      console.log(`${model}: ${result.trials.map((t) => `${t.name}${t.chosen ? ' (chosen)' : ''}: drop ${t.drop!.toFixed(2)}, ${t.latencyMs!.toFixed(3)} ms, ${t.sizeBytes} B`).join('; ')}; original ${result.original.latencyMs.toFixed(3)} ms, ${result.original.sizeBytes} B; check-split drop ${checkDrop.toFixed(2)}`);
    } finally {
      result.engine.dispose();
      engine.dispose();
    }
  });
});

describe('engine.compress options', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(join(FASHION_DIR, 'resnet-fmnist.onnx'), { threads: 1 });
  });
  afterAll(() => engine.dispose());
  const base = () => ({ calibration: calibrationFeeds(4), evaluate: () => 1, maxDrop: 1 });

  test.each([
    [{ evaluate: undefined }, TypeError, 'Expected a function (engine) => metric for options.evaluate but received undefined'],
    [{ maxDrop: -1 }, RangeError, 'Expected a number >= 0 for options.maxDrop but received -1'],
    [{ objective: 'speed' }, TypeError, "Expected 'latency' or 'size' for options.objective but received \"speed\""],
    [{ strategies: [] }, TypeError, 'Expected a non-empty array of strategies for options.strategies'],
    [{ strategies: [{ prune: 'channels' }] }, TypeError, 'options.strategies[0].prune'],
    [{ strategies: [{ int8: false }] }, TypeError, 'Expected prune, int8 or both for options.strategies[0]'],
    [{ threads: 0 }, RangeError, 'Expected an integer >= 1 for options.threads but received 0'],
    [{ calibration: 3 }, TypeError, 'options.calibration'],
    [{ bogus: 1 }, TypeError, 'Expected one of calibration, evaluate'],
  ])('%j is rejected', async (patch, type, message) => {
    const p = engine.compress({ ...base(), ...patch } as never);
    await expect(p).rejects.toThrow(type);
    await expect(engine.compress({ ...base(), ...patch } as never)).rejects.toThrow(message);
  });

  test('a metric that returns no number names the model it was measuring', async () => {
    await expect(engine.compress({ ...base(), evaluate: () => NaN })).rejects.toThrow('Expected a finite number for the metric of the original model but received NaN');
  });
});
