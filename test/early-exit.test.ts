/**
 * Early exit on the exits-fmnist fixture: the exit each run takes is the one the probabilities of a full run dictate
 * (rule re-implemented here), ops after the exit never run, batches stop only when every row is confident, int8 and
 * pruned engines keep the exits, bad options fail with the house-style message.
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');
const MODEL = join(DIR, 'exits-fmnist.onnx');
const EXITS = ['exit1', 'exit2', 'logits'];
const THRESHOLDS = [0, 0.5, 0.8, 0.9, 0.99, 1];
const IMAGES = loadNpy(join(DIR, 'test-images.npy')).data as Float32Array;
const COUNT = 300;

function batch(first: number, n: number): Record<string, Tensor> {
  return { input: new Tensor('float32', IMAGES.slice(first * 784, (first + n) * 784), [n, 1, 28, 28]) };
}

/** Top softmax probability in log-sum-exp form, independent of lib/. */
function topProbability(row: ArrayLike<number>): number {
  const v = Array.from(row);
  const max = Math.max(...v);
  return 1 / v.reduce((s, x) => s + Math.exp(x - max), 0);
}

/** The rule: first exit whose every row (10 classes) is confident, else the last. */
function expectedExit(scores: Float32Array[], confidence: number): number {
  for (let k = 0; k < scores.length - 1; k++) {
    let all = true;
    for (let r = 0; r < scores[k].length; r += 10) all = all && topProbability(scores[k].subarray(r, r + 10)) >= confidence;
    if (all) return k;
  }
  return scores.length - 1;
}

/** Whether some row's probability at an exit before the answer sits within float noise of the threshold. */
function borderline(scores: Float32Array[], confidence: number): boolean {
  for (let k = 0; k < scores.length - 1; k++)
    for (let r = 0; r < scores[k].length; r += 10) if (Math.abs(topProbability(scores[k].subarray(r, r + 10)) - confidence) < 1e-5) return true;
  return false;
}

/** Runs every image through `engine` fully and with early exit at each threshold; checks exit, flag and outputs. */
function checkExits(engine: Engine, count: number): { taken: number[][] } {
  const taken = THRESHOLDS.map(() => [0, 0, 0]);
  for (let i = 0; i < count; i++) {
    const feeds = batch(i, 1);
    const full = engine.runSync(feeds);
    const scores = EXITS.map((e) => full[e].data as Float32Array);
    THRESHOLDS.forEach((confidence, t) => {
      const r = engine.runSync(feeds, { exits: EXITS, confidence });
      const k = expectedExit(scores, confidence);
      if (!borderline(scores, confidence)) expect({ i, confidence, exit: r.exit }).toEqual({ i, confidence, exit: EXITS[k] });
      expect(r.exitIndex).toBe(EXITS.indexOf(r.exit));
      expect(r.confident).toBe(r.exitIndex < 2 || topProbability(scores[2]) >= confidence);
      // The answering exit's scores are those of the full run (same plan, same kernels).
      expect(Array.from(r.outputs[r.exit].data as Float32Array)).toEqual(Array.from(scores[r.exitIndex]));
      // Outputs after the exit were never computed, so they are not returned.
      expect(Object.keys(r.outputs).sort()).toEqual(EXITS.slice(0, r.exitIndex + 1).sort());
      taken[t][r.exitIndex]++;
    });
  }
  return { taken };
}

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.load(MODEL, { threads: 1 });
});
afterAll(() => engine.dispose());

describe('early exit', () => {
  test('full runs match torch on the reference images', () => {
    const input = loadNpy(join(DIR, 'exits-fmnist.input.npy'));
    const want = loadNpy(join(DIR, 'exits-fmnist.all-outputs.npy')).data as Float32Array; // [3, 8, 10]
    const out = engine.runSync({ input: new Tensor('float32', input.data as Float32Array, input.dims) });
    EXITS.forEach((e, k) => {
      const got = out[e].data as Float32Array;
      got.forEach((v, j) => expect(Math.abs(v - want[k * 80 + j])).toBeLessThan(1e-3));
    });
  });

  test('the exit taken is the one the full run\'s probabilities dictate, at every threshold', () => {
    const { taken } = checkExits(engine, COUNT);
    expect(taken[0]).toEqual([COUNT, 0, 0]); // confidence 0: always the first exit
    expect(taken[THRESHOLDS.indexOf(0.9)][0]).toBeGreaterThan(0);
    expect(taken[THRESHOLDS.indexOf(0.9)][2]).toBeGreaterThan(0);
  });

  test('async run takes the same exits as runSync; plain run is unchanged', async () => {
    for (let i = 0; i < 40; i++) {
      const feeds = batch(i, 1);
      const sync = engine.runSync(feeds, { exits: EXITS, confidence: 0.9 });
      const r = await engine.run(feeds, { exits: EXITS, confidence: 0.9 });
      expect(r.exit).toBe(sync.exit);
      expect(Array.from(r.outputs[r.exit].data as Float32Array)).toEqual(Array.from(sync.outputs[sync.exit].data as Float32Array));
    }
    const plain = await engine.run(batch(0, 1));
    expect(Object.keys(plain).sort()).toEqual([...EXITS].sort());
  });

  test('ops after the exit never run: profile() of the last run lists only the ops up to the exit', () => {
    const feeds = batch(0, 1);
    engine.runSync(feeds);
    const all = engine.profile();
    engine.runSync(feeds, { exits: EXITS, confidence: 0 });
    const first = engine.profile();
    expect(first.length).toBeLessThan(all.length);
    const names = first.map((p) => p.name).join(' ');
    expect(names).toContain('/exit1/');
    expect(names).not.toMatch(/stage2|stage3|exit2|head/);
    engine.runSync(feeds, { exits: ['exit2', 'logits'], confidence: 0 });
    const second = engine.profile().map((p) => p.name).join(' ');
    expect(second).toContain('/exit2/');
    expect(second).not.toMatch(/stage3|\/head\//);
    // The exit1 head is scheduled before stage 2, so stopping there skips the whole rest of the backbone.
    const order = all.map((p) => p.name);
    expect(order.findIndex((n) => n.includes('/exit1/fc'))).toBeLessThan(order.findIndex((n) => n.includes('/stage2/')));
    expect(order.findIndex((n) => n.includes('/exit2/fc'))).toBeLessThan(order.findIndex((n) => n.includes('/stage3/')));
  });

  test('a batch stops at an exit only when every row is confident', () => {
    let sawMixed = false;
    for (let first = 0; first < 200; first += 4) {
      const feeds = batch(first, 4);
      const full = engine.runSync(feeds);
      const scores = EXITS.map((e) => full[e].data as Float32Array);
      for (const confidence of [0.8, 0.95]) {
        if (borderline(scores, confidence)) continue;
        const r = engine.runSync(feeds, { exits: EXITS, confidence });
        expect(r.exit).toBe(EXITS[expectedExit(scores, confidence)]);
        expect(r.outputs[r.exit].dims).toEqual([4, 10]);
        // Some row confident at exit1 but the batch went on: the rule is "all rows".
        const rows = [0, 1, 2, 3].map((j) => topProbability(scores[0].subarray(j * 10, j * 10 + 10)) >= confidence);
        if (rows.some(Boolean) && !rows.every(Boolean)) {
          sawMixed = true;
          expect(r.exitIndex).toBeGreaterThan(0);
        }
      }
    }
    expect(sawMixed).toBe(true);
  });

  test('int8 (engine.quantize), 2:4-pruned and 2:4 + int8 engines keep the exits and follow the rule', async () => {
    const calibration = Array.from({ length: 32 }, (_, i) => batch(1000 + i, 1));
    const int8 = await engine.quantize({ calibration });
    const sparse = await engine.prune({ pattern: '2:4', method: 'magnitude' });
    const both = await sparse.quantize({ calibration });
    try {
      for (const e of [int8, sparse, both]) {
        expect(e.outputs.map((o) => o.name)).toEqual(EXITS);
        checkExits(e, 60);
      }
    } finally {
      int8.dispose();
      sparse.dispose();
      both.dispose();
    }
  }, 120000);

  test('repeated, changed and mutated options give the same exits as fresh options (the engine reuses the last rule)', async () => {
    // Forced exits (confidence 0 stops at the first listed exit) make the expected answer independent of the data.
    const feeds = batch(3, 1);
    const reused = { exits: ['exit1', 'exit2', 'logits'], confidence: 0 };
    const sequence: [Record<string, unknown>, string, string[]][] = [
      [reused, 'exit1', ['exit1']],
      [reused, 'exit1', ['exit1']],
      [{ exits: ['exit1', 'exit2', 'logits'], confidence: 0 }, 'exit1', ['exit1']],
      [{ exits: ['exit2', 'logits'], confidence: 0 }, 'exit2', ['exit1', 'exit2']],
      [{ exits: ['exit1', 'exit2', 'logits'], confidence: 1 }, 'logits', EXITS],
      [{ exits: ['exit1', 'exit2', 'logits'], confidence: 0, outputs: ['exit1'] }, 'exit1', ['exit1']],
      [{ exits: ['exit2', 'logits'], confidence: 0, outputs: ['logits', 'exit2'] }, 'exit2', ['exit2']],
      [reused, 'exit1', ['exit1']],
    ];
    for (const [options, exit, outputs] of sequence) {
      const sync = engine.runSync(feeds, options as never);
      expect({ exit: sync.exit, outputs: Object.keys(sync.outputs).sort() }).toEqual({ exit, outputs: [...outputs].sort() });
      const async = await engine.run(feeds, options as never);
      expect({ exit: async.exit, outputs: Object.keys(async.outputs).sort() }).toEqual({ exit, outputs: [...outputs].sort() });
    }
    // The same array mutated in place is read again, not taken from the last run.
    reused.exits.splice(0, 1);
    expect(engine.runSync(feeds, reused).exit).toBe('exit2');
    reused.exits.splice(0, 2, 'logits', 'exit1');
    expect(() => engine.runSync(feeds, reused)).toThrow(/Expected exits in the order the model computes them/);
    reused.exits.splice(0, 2, 'exit1', 'logits');
    expect(engine.runSync(feeds, reused).exit).toBe('exit1');
    reused.confidence = 2;
    expect(() => engine.runSync(feeds, reused)).toThrow(RangeError);
    // Concurrent async runs with one options object each get their own outcome.
    const options = { exits: EXITS, confidence: 0.9 };
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => batch(i, 1));
    const want = inputs.map((f) => engine.runSync(f, options).exit);
    expect((await Promise.all(inputs.map((f) => engine.run(f, options)))).map((r) => r.exit)).toEqual(want);
  });

  test('bad options fail before running, with the house-style message', async () => {
    const feeds = batch(0, 1);
    const bad: [unknown, Error][] = [
      [{ exits: ['exit1', 'head'], confidence: 0.9 }, new TypeError('Expected one of the output names "exit1", "exit2", "logits" for run options.exits but received "head"')],
      [{ exits: [], confidence: 0.9 }, new TypeError('Expected a non-empty array of output names for run options.exits but received array []')],
      [{ exits: 'exit1', confidence: 0.9 }, new TypeError('Expected a non-empty array of output names for run options.exits but received "exit1"')],
      [{ exits: EXITS, confidence: 1.5 }, new RangeError('Expected a number in [0, 1] for run options.confidence but received 1.5')],
      [{ exits: EXITS, confidence: -0.1 }, new RangeError('Expected a number in [0, 1] for run options.confidence but received -0.1')],
      [{ exits: EXITS, confidence: NaN }, new TypeError('Expected a number in [0, 1] for run options.confidence but received NaN')],
      [{ exits: EXITS }, new TypeError('Expected a number in [0, 1] for run options.confidence but received undefined')],
      [{ confidence: 0.9 }, new TypeError('Expected a non-empty array of output names for run options.exits but received undefined')],
    ];
    for (const [options, error] of bad) {
      expect(() => engine.runSync(feeds, options as never)).toThrow(error);
      await expect(engine.run(feeds, options as never)).rejects.toThrow(error);
    }
    expect(() => engine.runSync(feeds, { exits: ['exit1', 'exit1'], confidence: 0.5 })).toThrow(RangeError);
    expect(() => engine.runSync(feeds, { exits: ['logits', 'exit1'], confidence: 0.5 })).toThrow(/Expected exits in the order the model computes them \("exit1", "logits"\)/);
  });
});
