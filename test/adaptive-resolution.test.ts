/**
 * AdaptiveResolution on a small CNN with free height and width: the size taken per input is the one the rule gives
 * when every size is run and judged here independently, MACs are summed over the sizes tried, one engine serves
 * every size from its plan cache, and bad options fail clearly.
 */
import { Engine, Tensor } from '../lib';
import { AdaptiveResolution, topSoftmax } from '../lib/dynamic/adaptive-resolution';
import { macsAtShapes } from '../lib/dynamic/adaptive-macs';
import { withFreeImageSize } from '../lib/dynamic/adaptive-free-size';
import { chooseThreshold, decide, profileResolutions, sweepThresholds } from '../lib/dynamic/adaptive-sweep';
import { resizeBilinear } from '../lib/dynamic/resize-bilinear';
import * as compileModule from '../lib/plan/compile';
import { addNode, emptyGraph, init, input, node, output, randomFloats } from './onnx-graph-builder';

/** x [N,1,H,W] -> Conv 3x3 (6 ch, pad 1) -> Relu -> Conv 3x3 stride 2 (8 ch) -> Relu -> GlobalAveragePool -> Flatten -> Gemm -> logits [N,10]. */
function smallCnn(): Engine {
  const g = emptyGraph();
  input(g, 'x', 'float32', ['N', 1, 'H', 'W']);
  init(g, 'w1', 'float32', [6, 1, 3, 3], randomFloats(54, 11));
  init(g, 'b1', 'float32', [6], randomFloats(6, 12));
  init(g, 'w2', 'float32', [8, 6, 3, 3], randomFloats(432, 13));
  init(g, 'b2', 'float32', [8], randomFloats(8, 14));
  init(g, 'fc', 'float32', [10, 8], randomFloats(80, 15).map((v) => v * 6));
  init(g, 'fb', 'float32', [10], randomFloats(10, 16));
  addNode(g, node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }));
  addNode(g, node('Relu', ['c1'], ['r1']));
  addNode(g, node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }));
  addNode(g, node('Relu', ['c2'], ['features']));
  addNode(g, node('GlobalAveragePool', ['features'], ['pooled']));
  addNode(g, node('Flatten', ['pooled'], ['flat']));
  addNode(g, node('Gemm', ['flat', 'fc', 'fb'], ['logits'], { transB: 1 }));
  output(g, 'features', 'float32', ['N', 8, 'H2', 'W2']);
  output(g, 'logits', 'float32', ['N', 10]);
  return Engine.fromGraph(g, { threads: 1 });
}

const SIZES = [12, 20, 28];
const images = Array.from({ length: 40 }, (_, i) => new Tensor('float32', randomFloats(784, 100 + i).map((v) => v * (1 + (i % 5))), [1, 1, 28, 28]));

/** MACs of the two convs and the Gemm at H x W, counted by hand. */
function handMacs(h: number, w: number): number {
  const h2 = Math.floor((h + 2 - 3) / 2) + 1;
  const w2 = Math.floor((w + 2 - 3) / 2) + 1;
  return h * w * 6 * 9 + h2 * w2 * 8 * 6 * 9 + 10 * 8;
}

describe('AdaptiveResolution', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = smallCnn();
  });
  afterAll(() => engine.dispose());

  test('MACs per size are the layer MACs at that input shape', () => {
    const adaptive = new AdaptiveResolution(engine, { sizes: SIZES, threshold: 0.5 });
    expect(adaptive.macsPerSize).toEqual(SIZES.map((s) => handMacs(s, s)));
    expect(macsAtShapes(engine, new Map([['x', [1, 1, 16, 24]]]))).toBe(handMacs(16, 24));
  });

  test('the size taken per input is the first whose top softmax probability reaches the threshold (checked by running every size)', async () => {
    // Independent judgement: resize, run, softmax and apply the rule here.
    const confidences: number[][] = [];
    const labels: number[][] = [];
    for (const image of images) {
      const c: number[] = [];
      const l: number[] = [];
      for (const s of SIZES) {
        const out = engine.runSync({ x: new Tensor('float32', resizeBilinear(image.data as Float32Array, [1, 1, 28, 28], s, s), [1, 1, s, s]) });
        const scores = Array.from(out.logits.data as Float32Array);
        const max = Math.max(...scores);
        const exp = scores.map((v) => Math.exp(v - max));
        const sum = exp.reduce((a, b) => a + b, 0);
        c.push(Math.max(...exp) / sum);
        l.push(scores.indexOf(max));
      }
      confidences.push(c);
      labels.push(l);
    }
    const all = confidences.flatMap((c) => c.slice(0, -1)).sort((a, b) => a - b);
    for (const threshold of [all[Math.floor(all.length * 0.3)], all[Math.floor(all.length * 0.7)], 1]) {
      const adaptive = new AdaptiveResolution(engine, { sizes: SIZES, threshold, output: 'logits' });
      const used = new Set<number>();
      for (let i = 0; i < images.length; i++) {
        const expectedIndex = confidences[i].findIndex((c, s) => c >= threshold || s === SIZES.length - 1);
        const result = await adaptive.classify(images[i]);
        expect(result.sizeIndex).toBe(expectedIndex);
        expect(result.resolution).toEqual([SIZES[expectedIndex], SIZES[expectedIndex]]);
        expect(result.label).toBe(labels[i][expectedIndex]);
        expect(result.confidence).toBeCloseTo(confidences[i][expectedIndex], 5);
        expect(result.tried).toBe(expectedIndex + 1);
        expect(result.macs).toBe(SIZES.slice(0, expectedIndex + 1).reduce((a, s) => a + handMacs(s, s), 0));
        used.add(result.sizeIndex);
      }
      // thresholds from the confidence quantiles must exercise early acceptance and fall-back alike
      if (threshold < 1) expect(used.size).toBeGreaterThan(1);
    }
  });

  test('the sweep replays the same rule: its per-threshold choices equal classify()', async () => {
    const adaptive = new AdaptiveResolution(engine, { sizes: SIZES, threshold: 0.6 });
    const samples = images.map((t) => t.data as Float32Array);
    const profile = await profileResolutions(adaptive, samples, [1, 28, 28]);
    const truth = images.map((_, i) => profile.labels[SIZES.length - 1][i]); // full-resolution predictions as labels
    for (let i = 0; i < images.length; i++) {
      const r = await adaptive.classify(images[i]);
      expect(decide(profile, i, 0.6)).toBe(r.sizeIndex);
      expect(profile.labels[r.sizeIndex][i]).toBe(r.label);
    }
    const rows = sweepThresholds(profile, adaptive.macsPerSize, SIZES.map((s) => `${s}x${s}`), truth, [0.6, 1]);
    expect(rows.map((r) => r.kind)).toEqual(['fixed', 'fixed', 'fixed', 'adaptive', 'adaptive']);
    expect(rows[2].accuracy).toBe(100);
    expect(rows[2].macSaving).toBe(0);
    // Independently: per sample the first size whose confidence reaches t (else the last), MACs of every size up to it.
    for (const [k, t] of [[3, 0.6], [4, 1]] as const) {
      const picks = images.map((_, i) => {
        const s = SIZES.findIndex((_, j) => profile.confidences[j][i] >= t);
        return s < 0 ? SIZES.length - 1 : s;
      });
      const macs = picks.reduce((a, s) => a + SIZES.slice(0, s + 1).reduce((x, y) => x + handMacs(y, y), 0), 0) / images.length;
      const correct = picks.filter((s, i) => profile.labels[s][i] === truth[i]).length;
      expect(rows[k].averageMacs).toBeCloseTo(macs, 6);
      expect(rows[k].macSaving).toBeCloseTo(1 - macs / handMacs(28, 28), 12);
      expect(rows[k].accuracy).toBeCloseTo((100 * correct) / images.length, 12);
      expect(rows[k].shares).toEqual(SIZES.map((_, j) => picks.filter((s) => s === j).length / images.length).map((v, j) => expect.closeTo(v, 12)));
    }
    expect(chooseThreshold(rows, 100)?.threshold).toBe(rows[3].averageMacs < rows[2].averageMacs ? 0.6 : undefined);
    expect(chooseThreshold(rows, 0)?.threshold).toBe(rows[3].accuracy === 100 && rows[3].averageMacs < rows[2].averageMacs ? 0.6 : undefined);
  });

  test('one engine, one plan per size: no plan is rebuilt after the first pass over the sizes', async () => {
    const fresh = smallCnn();
    // Engine compiles a plan (compilePlan, then the native Plan) only on a plan-cache miss.
    const spy = jest.spyOn(compileModule, 'compilePlan');
    try {
      const adaptive = new AdaptiveResolution(fresh, { sizes: SIZES, threshold: 1 });
      for (const image of images.slice(0, 10)) await adaptive.classify(image);
      const other = new AdaptiveResolution(fresh, { sizes: SIZES, threshold: 0.3 });
      for (const image of images.slice(10, 20)) await other.classify(image);
      expect(spy.mock.calls.length).toBe(SIZES.length);
      expect(spy.mock.calls.map((c) => [...c[1].values()][0])).toEqual(SIZES.map((s) => [1, 1, s, s]));
    } finally {
      spy.mockRestore();
      fresh.dispose();
    }
  });

  test('topSoftmax stays finite for large logits', () => {
    const r = topSoftmax([1000, 999, -1000]);
    expect(r.label).toBe(0);
    expect(r.confidence).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  test('bad options and inputs fail with clear errors', async () => {
    const make = (o: unknown) => () => new AdaptiveResolution(engine, o as never);
    expect(make({ sizes: [], threshold: 0.5 })).toThrow(/Expected a non-empty array of sizes for sizes/);
    expect(make({ sizes: [28, 16], threshold: 0.5 })).toThrow(/Expected sizes ordered smallest first for sizes\[1\] but received "?16x16 after 28x28/);
    expect(make({ sizes: [16, 0], threshold: 0.5 })).toThrow(/sizes\[1\]/);
    expect(make({ sizes: [1, 2, 3, 4, 5, 6, 7, 8, 9], threshold: 0.5 })).toThrow(/Expected at most 8 sizes/);
    expect(make({ sizes: [16, 28], threshold: 0 })).toThrow(/Expected a number in \(0, 1\] for threshold/);
    expect(make({ sizes: [16, 28], threshold: 1.5 })).toThrow(RangeError);
    expect(make({ sizes: [16, 28], threshold: 0.5, output: 'nope' })).toThrow(/Expected one of the model outputs \(features, logits\) for output/);
    expect(() => new AdaptiveResolution({} as Engine, { sizes: [16], threshold: 0.5 })).toThrow(/Expected an Engine/);
    const adaptive = new AdaptiveResolution(engine, { sizes: [16, 28], threshold: 0.5 });
    await expect(adaptive.classify(new Tensor('float32', new Float32Array(784), [784]))).rejects.toThrow(/Expected a float32 Tensor \[1, C, H, W\] for image/);
  });

  test('a model with a fixed input size is refused', () => {
    const g = emptyGraph();
    input(g, 'x', 'float32', [1, 1, 28, 28]);
    addNode(g, node('Relu', ['x'], ['y']));
    output(g, 'y', 'float32', [1, 1, 28, 28]);
    const fixed = Engine.fromGraph(g);
    try {
      expect(() => new AdaptiveResolution(fixed, { sizes: [16, 28], threshold: 0.5 })).toThrow(/Expected a symbolic height \(the model fixes it at 28\) for input "x"/);
    } finally {
      fixed.dispose();
    }
  });

  test('withFreeImageSize: a fixed-size model gets free height and width, same outputs at the trained size', async () => {
    const g = emptyGraph();
    input(g, 'x', 'float32', [1, 1, 28, 28]);
    init(g, 'w', 'float32', [4, 1, 3, 3], randomFloats(36, 21));
    init(g, 'fc', 'float32', [10, 4], randomFloats(40, 22));
    addNode(g, node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3] }));
    addNode(g, node('GlobalAveragePool', ['c'], ['p']));
    addNode(g, node('Flatten', ['p'], ['f']));
    addNode(g, node('Gemm', ['f', 'fc'], ['y'], { transB: 1 }));
    output(g, 'y', 'float32', [1, 10]);
    const fixed = Engine.fromGraph(g, { threads: 1 });
    const free = withFreeImageSize(fixed);
    try {
      expect(free.inputs[0].shape).toEqual([1, 1, 'x_height', 'x_width']);
      expect(fixed.inputs[0].shape).toEqual([1, 1, 28, 28]);
      const same = free.runSync({ x: images[3] }).y.data as Float32Array;
      expect(Array.from(same)).toEqual(Array.from(fixed.runSync({ x: images[3] }).y.data as Float32Array));
      const adaptive = new AdaptiveResolution(free, { sizes: [14, 28], threshold: 0.99 });
      expect(adaptive.macsPerSize).toEqual([12 * 12 * 4 * 9 + 40, 26 * 26 * 4 * 9 + 40]);
      expect((await adaptive.classify(images[3])).scores.length).toBe(10);
      expect(() => withFreeImageSize({} as Engine)).toThrow(/Expected an Engine/);
    } finally {
      fixed.dispose();
      free.dispose();
    }
  });
});
