/**
 * engine.compress on the Fashion-MNIST fixtures: the chosen model stays within a 1-point top-1 budget on a third
 * split that neither tuning (calibration, evaluate) nor selection (holdout) saw, checked here by running it; the
 * choice is the fastest within budget (never plain int8 when fp32 or another strategy within budget timed faster).
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
  { int8: false },
  { method: 'minmax', perChannel: false },
  { floatWhereFaster: true },
  { prune: { channels: 0.25 } },
  { prune: { channels: 0.25 }, floatWhereFaster: true },
  { prune: { channels: 0.125 }, ranking: 'thinet', int8: false },
];
const NAMES = [
  'int8', 'fp32', 'int8 minmax per-tensor', 'int8 (fp32 where faster)', 'channels 0.25 + int8',
  'channels 0.25 + int8 (fp32 where faster)', 'channels 0.125 (thinet) + fp32',
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
      latencyRuns: 100,
      onProgress: (ev) => events.push(ev),
    });
    try {
      expect(result.trials.map((t) => t.name)).toEqual(NAMES);
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
      // Fastest within budget, up to the 3% latency tie: never plain int8 when a strategy within budget timed faster.
      const within = result.trials.filter((t) => t.withinBudget);
      const fastest = Math.min(...within.map((t) => t.latencyMs!));
      expect(result.chosen.latencyMs!).toBeLessThanOrEqual(1.03 * fastest);
      const int8 = result.trials[0];
      if (int8.latencyMs! > 1.03 * fastest) expect(result.chosen.name).not.toBe('int8');
      // fp32 is the original model (optimized), so it is within budget, and plain int8 is not the only candidate.
      expect(result.trials[1].drop).toBe(0);
      expect(result.trials[1].withinBudget).toBe(true);
      // floatWhereFaster keeps fp32 layers of the model (names of its Conv/Gemm nodes) and nothing else.
      const layers = new Set(engine.sourceGraph().nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm').map((n) => n.name));
      for (const t of result.trials.filter((x) => x.strategy.floatWhereFaster)) for (const l of t.floatLayers!) expect(layers.has(l)).toBe(true);
      // The done-when: within budget on the split nothing was tuned or selected on.
      const checkDrop = top1(engine, ...CHECK) - top1(result.engine, ...CHECK);
      expect(checkDrop).toBeLessThanOrEqual(1);
      expect(events.filter((e) => e.phase === 'strategies').map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(events.some((e) => e.phase === 'calibrate' && e.strategy === 'int8')).toBe(true);
      // eslint-disable-next-line no-console
      console.log(`${model}: ${result.trials.map((t) => `${t.name}${t.chosen ? ' (chosen)' : ''}: drop ${t.drop!.toFixed(2)}, ${t.latencyMs!.toFixed(3)} ms, ${t.sizeBytes} B${t.floatLayers ? ` fp32 ${t.floatLayers.join(' ')}` : ''}`).join('; ')}; original ${result.original.latencyMs.toFixed(3)} ms, ${result.original.sizeBytes} B; check-split drop ${checkDrop.toFixed(2)}`);
    } finally {
      result.engine.dispose();
      engine.dispose();
    }
  });
});

describe('engine.compress with distillation', () => {
  test('a distilled strategy trains on the calibration feeds and is never worse on evaluate than its pruning alone', async () => {
    const engine = await Engine.load(join(FASHION_DIR, 'resnet-fmnist.onnx'), { threads: 1 });
    const calibration = calibrationFeeds(64);
    const events: CompressProgressEvent[] = [];
    const result = await engine.compress({
      calibration,
      evaluate: (e) => top1(e, 0, 300),
      maxDrop: 1,
      strategies: [{ prune: { channels: 0.5 }, int8: false }, { prune: { channels: 0.5 }, distill: true, int8: false }],
      distillation: { epochs: 2 },
      latencyRuns: 10,
      onProgress: (ev) => events.push(ev),
    });
    try {
      const [pruned, distilled] = result.trials;
      expect(distilled.name).toBe('channels 0.5 + distilled + fp32');
      expect(['distilled', 'student']).toContain(distilled.distilled);
      expect(distilled.metric!).toBeGreaterThanOrEqual(pruned.metric!);
      if (distilled.distilled === 'student') expect(distilled.metric).toBe(pruned.metric);
      // Two epochs over the 64 calibration feeds (the default distillation data).
      expect(events.filter((e) => e.phase === 'distill' && e.strategy === distilled.name).map((e) => e.total)).toContain(2);
      expect(Math.max(...events.filter((e) => e.phase === 'features' && e.strategy === distilled.name).map((e) => e.done))).toBe(64);
      expect(result.heldOut).toBe(false);
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
    [{ strategies: [{ int8: false, floatWhereFaster: true }] }, TypeError, 'Expected no int8 settings (method, perChannel, mixedPrecision, floatWhereFaster) for options.strategies[0] with int8: false'],
    [{ strategies: [{ distill: true }] }, TypeError, 'Expected a prune step to distill after for options.strategies[0] with distill: true'],
    [{ distillation: { labels: [1] } }, TypeError, 'Expected data with its labels for options.distillation.data but received undefined'],
    [{ distillation: { data: 5 } }, TypeError, 'options.distillation.data'],
    [{ distillation: { epoch: 5 } }, TypeError, 'Expected one of data, labels, layers, epochs for a key of options.distillation but received "epoch"'],
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
