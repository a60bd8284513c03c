/**
 * engine.prune for 2:4 and unstructured patterns on the Fashion-MNIST fixtures: option checks, masks checked against
 * an independent reference in ONNX weight layout, pruned engines against onnxruntime-node running the exported
 * pruned model, and top-1 on the 2000-image test subset.
 * @jest-environment ./test/support/ort-environment.js
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import type { Graph, TensorValue } from '../lib/ir/graph';
import { loadNpy } from '../lib/format/npy';
import { encodeModel } from '../lib/onnx/encode';
import { foldForPruning, planWeightPruning } from '../lib/prune/prune-engine';
import { expectClose, ortSession, ortRun } from './support/ort';
import { GraphBuilder, float, randomFloats } from './support/graph-builder';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');
const RESNET = join(DIR, 'resnet-fmnist.onnx');
const MOBILENET = join(DIR, 'mobilenet-fmnist.onnx');

function samples(file: string, count: number): Record<string, Tensor>[] {
  const array = loadNpy(join(DIR, file));
  const data = array.data as Float32Array;
  return Array.from({ length: count }, (_, i) => ({ input: new Tensor('float32', data.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) }));
}

const calibration = samples('calibration.npy', 100);
const testImages = samples('test-images.npy', 2000);
const testLabels = loadNpy(join(DIR, 'test-labels.npy')).data as BigInt64Array;

function top1(engine: Engine): number {
  let correct = 0;
  testImages.forEach((feeds, i) => {
    const logits = engine.runSync(feeds).logits.data as Float32Array;
    let best = 0;
    for (let c = 1; c < logits.length; c++) if (logits[c] > logits[best]) best = c;
    if (BigInt(best) === testLabels[i]) correct++;
  });
  return (100 * correct) / testImages.length;
}

function weightsOf(graph: Graph, node: string): TensorValue {
  const n = graph.nodes.find((x) => x.name === node)!;
  return graph.initializers.get(n.inputs[1])!;
}

/** Independent 2:4 check in ONNX layout W[m, c, kh, kw]: ≤ 2 non-zeros among channels 4g..4g+3 at each tap. */
function conv24Violations(w: TensorValue): number {
  const [m, c, kh, kw] = w.dims;
  const taps = kh * kw;
  const data = w.data as Float32Array;
  let bad = 0;
  for (let o = 0; o < m; o++) {
    for (let t = 0; t < taps; t++) {
      for (let g = 0; g < c; g += 4) {
        let nonZero = 0;
        for (let ch = g; ch < Math.min(c, g + 4); ch++) if (data[(o * c + ch) * taps + t] !== 0) nonZero++;
        if (nonZero > 2) bad++;
      }
    }
  }
  return bad;
}

/** Reference 2:4 magnitude pruning of a conv weight written directly in ONNX layout. */
function reference24(w: TensorValue): Float32Array {
  const [m, c, kh, kw] = w.dims;
  const taps = kh * kw;
  const out = Float32Array.from(w.data as Float32Array);
  for (let o = 0; o < m; o++) {
    for (let t = 0; t < taps; t++) {
      for (let g = 0; g < c; g += 4) {
        const idx = [0, 1, 2, 3].map((i) => (o * c + g + i) * taps + t);
        // Zero the two smallest magnitudes (the earlier one on ties).
        const order = [...idx].sort((a, b) => Math.abs(out[a]) - Math.abs(out[b]) || a - b);
        out[order[0]] = 0;
        out[order[1]] = 0;
      }
    }
  }
  return out;
}

/** sparq's pruned engine against onnxruntime-node running its exported model, on a few test images. */
async function expectMatchesOrt(pruned: Engine): Promise<void> {
  const session = await ortSession(encodeModel(pruned.sourceGraph()));
  for (const feeds of testImages.slice(0, 5)) {
    const ours = pruned.runSync(feeds).logits;
    const ref = await ortRun(session, { input: { type: 'float32', dims: [1, 1, 28, 28], data: feeds.input.data as Float32Array } });
    expectClose('logits', ours, ref.logits);
  }
}

describe('engine.prune options', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(RESNET, { threads: 1 });
  });
  afterAll(() => engine.dispose());

  test.each([
    [undefined, TypeError, 'Expected an options object for options but received undefined'],
    [{ pattern: '1:4' }, RangeError, `Expected '2:4', { unstructured: ratio }, { channels: ratio } or { blocks: count } for options.pattern but received "1:4"`],
    [{ pattern: 24 }, TypeError, 'for options.pattern but received 24'],
    [{ pattern: { unstructured: 1 } }, RangeError, 'Expected a number in (0, 1) for options.pattern.unstructured but received 1'],
    [{ pattern: { unstructured: 0 } }, RangeError, 'Expected a number in (0, 1) for options.pattern.unstructured but received 0'],
    [{ pattern: { channels: '0.3' } }, TypeError, 'Expected a number in (0, 1) for options.pattern.channels but received "0.3"'],
    [{ pattern: { blocks: 1.5 } }, RangeError, 'Expected a positive integer for options.pattern.blocks but received 1.5'],
    [{ pattern: { unstructured: 0.5, channels: 0.5 } }, RangeError, 'but received an object with keys [unstructured, channels]'],
    [{ pattern: '2:4', method: 'obs' }, RangeError, `Expected one of 'magnitude', 'reconstruct' for options.method but received "obs"`],
    [{ pattern: '2:4', method: 'reconstruct' }, TypeError, `Expected calibration data (an Iterable or AsyncIterable of feeds) with method 'reconstruct' for options.calibration but received undefined`],
    [{ pattern: { blocks: 1 } }, TypeError, 'with pattern { blocks } for options.calibration but received undefined'],
    [{ pattern: '2:4', calibration: 5 }, TypeError, 'for options.calibration but received 5'],
    [{ pattern: '2:4', exclude: ['nope'] }, RangeError, 'Expected the name of a node of the model for options.exclude[0] but received "nope"'],
    [{ pattern: '2:4', exclude: 'x' }, TypeError, 'Expected an array of node names for options.exclude but received "x"'],
    [{ pattern: '2:4', damping: -1 }, RangeError, 'Expected a finite number >= 0 for options.damping but received -1'],
    [{ pattern: '2:4', onProgress: 1 }, TypeError, 'Expected a function for options.onProgress but received 1'],
    [{ pattern: '2:4', ranking: 'l2' }, RangeError, `Expected one of 'l1', 'thinet' for options.ranking but received "l2"`],
    [{ pattern: { channels: 0.25 }, pruneResidualStreams: 1 }, TypeError, 'Expected a boolean for options.pruneResidualStreams but received 1'],
    [{ pattern: { channels: 0.25 }, channelAlign: '16' }, TypeError, 'Expected an integer from 1 to 256 for options.channelAlign but received "16"'],
    [{ pattern: { channels: 0.25 }, channelAlign: 0 }, RangeError, 'Expected an integer from 1 to 256 for options.channelAlign but received 0'],
    [{ pattern: { channels: 0.25 }, channelAlign: 4.5 }, RangeError, 'Expected an integer from 1 to 256 for options.channelAlign but received 4.5'],
  ])('%j is refused', async (options, type, message) => {
    const p = engine.prune(options as never);
    await expect(p).rejects.toThrow(type);
    await expect(p).rejects.toThrow(message);
  });

  test('bad calibration samples are named', async () => {
    const bad = { input: new Tensor('float32', new Float32Array(784).fill(NaN), [1, 1, 28, 28]) };
    await expect(engine.prune({ pattern: '2:4', method: 'reconstruct', calibration: [calibration[0], bad] })).rejects.toThrow('options.calibration sample 1: Expected finite values');
  });
});

describe('which layers are pruned', () => {
  test('ResNet: every conv but the stem, not the classifier; exclude adds to that', async () => {
    const engine = await Engine.load(RESNET, { threads: 1 });
    const graph = foldForPruning(engine.sourceGraph());
    engine.dispose();
    const plan = planWeightPruning(graph);
    expect(plan.layers).toHaveLength(15);
    expect(plan.dense).toEqual([
      { name: '/stem/stem.0/Conv', reason: 'first or last layer (options.denseEnds)' },
      { name: '/fc/Gemm', reason: 'first or last layer (options.denseEnds)' },
    ]);
    const all = planWeightPruning(graph, { denseEnds: false, exclude: ['/blocks/blocks.0/conv1/Conv'] });
    expect(all.layers.map((l) => l.node.name)).toContain('/fc/Gemm');
    expect(all.dense).toEqual([
      { name: '/stem/stem.0/Conv', reason: '1 input channel(s) per group, fewer than a 2:4 group' },
      { name: '/blocks/blocks.0/conv1/Conv', reason: 'excluded by options.exclude' },
    ]);
  });

  test('MobileNet: depthwise convs stay dense', async () => {
    const engine = await Engine.load(MOBILENET, { threads: 1 });
    const plan = planWeightPruning(foldForPruning(engine.sourceGraph()));
    engine.dispose();
    const depthwise = plan.dense.filter((d) => d.reason === '1 input channel(s) per group, fewer than a 2:4 group');
    expect(depthwise.map((d) => d.name)).toEqual([
      '/blocks/blocks.0/body/body.0/Conv',
      '/blocks/blocks.1/body/body.3/Conv',
      '/blocks/blocks.2/body/body.3/Conv',
      '/blocks/blocks.3/body/body.3/Conv',
      '/blocks/blocks.4/body/body.3/Conv',
    ]);
    expect(plan.layers.every((l) => l.groups === 1)).toBe(true);
  });
});

describe('ResNet-style fixture', () => {
  let engine: Engine;
  let folded: Graph;
  let dense: number;
  beforeAll(async () => {
    engine = await Engine.load(RESNET, { threads: 1 });
    folded = foldForPruning(engine.sourceGraph());
    dense = top1(engine);
  });
  afterAll(() => engine.dispose());

  test('dense top-1 is the committed metric', () => {
    expect(dense).toBeCloseTo(92.0, 5);
  });

  test('2:4 magnitude: the same weights as a plain reference, the same outputs as an engine built from them and as onnxruntime', async () => {
    const events: number[] = [];
    const pruned = await engine.prune({ pattern: '2:4', method: 'magnitude', onProgress: (e) => events.push(e.done) });
    expect(events).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const graph = pruned.sourceGraph();
    const reference = foldForPruning(engine.sourceGraph());
    for (const node of reference.nodes) {
      if (node.opType !== 'Conv' || node.name === '/stem/stem.0/Conv') continue;
      const original = weightsOf(folded, node.name);
      const expected = reference24(original);
      expect(Array.from(weightsOf(graph, node.name).data as Float32Array)).toEqual(Array.from(expected));
      reference.initializers.set(node.inputs[1], { ...original, data: expected });
    }
    expect(Array.from(weightsOf(graph, '/stem/stem.0/Conv').data as Float32Array)).toEqual(Array.from(weightsOf(folded, '/stem/stem.0/Conv').data as Float32Array));
    const refEngine = Engine.fromGraph(reference, { threads: 1 });
    for (const feeds of testImages.slice(0, 5)) expect(Array.from(pruned.runSync(feeds).logits.data as Float32Array)).toEqual(Array.from(refEngine.runSync(feeds).logits.data as Float32Array));
    refEngine.dispose();
    await expectMatchesOrt(pruned);
    pruned.dispose();
  });

  test('2:4 reconstruct: valid 2:4 masks, matches onnxruntime, top-1 drop ≤ 1.5 points (magnitude far behind); then int8: still 2:4, drop ≤ 2 points', async () => {
    const events: Array<{ phase: string; done: number; total?: number }> = [];
    const pruned = await engine.prune({ pattern: '2:4', method: 'reconstruct', calibration, onProgress: (e) => events.push(e) });
    expect(events[0]).toEqual({ phase: 'prune', done: 0, total: 15 });
    expect(events[events.length - 1]).toEqual({ phase: 'prune', done: 15, total: 15 });
    const graph = pruned.sourceGraph();
    for (const layer of planWeightPruning(folded).layers) {
      const w = weightsOf(graph, layer.node.name);
      expect(conv24Violations(w)).toBe(0);
      expect((w.data as Float32Array).filter((v) => v === 0).length).toBeGreaterThanOrEqual(w.data.length / 2);
    }
    await expectMatchesOrt(pruned);
    const magnitude = await engine.prune({ pattern: '2:4', method: 'magnitude' });
    const accMagnitude = top1(magnitude);
    magnitude.dispose();
    const acc = top1(pruned);
    // Prune, then quantize: the int8 weights keep the 2:4 pattern (zeros quantize to zero).
    const int8 = await pruned.quantize({ calibration });
    pruned.dispose();
    const int8Weights = [...int8.sourceGraph().initializers.values()].filter((t) => t.type === 'int8' && t.dims.length === 4);
    expect(int8Weights.length).toBe(16);
    for (const w of int8Weights) expect(conv24Violations(w)).toBe(0);
    const accInt8 = top1(int8);
    int8.dispose();
    console.log(`ResNet 2:4 top-1: dense ${dense.toFixed(2)}, magnitude ${accMagnitude.toFixed(2)}, reconstruct ${acc.toFixed(2)}, reconstruct + int8 ${accInt8.toFixed(2)} (100 calibration samples)`);
    expect(dense - acc).toBeLessThanOrEqual(1.5);
    expect(acc).toBeGreaterThan(accMagnitude + 10);
    expect(dense - accInt8).toBeLessThanOrEqual(2);
  });

  test('unstructured 50% reconstruct: half of each pruned layer, top-1 drop ≤ 1 point', async () => {
    const pruned = await engine.prune({ pattern: { unstructured: 0.5 }, method: 'reconstruct', calibration });
    const graph = pruned.sourceGraph();
    for (const layer of planWeightPruning(folded).layers) {
      const data = weightsOf(graph, layer.node.name).data as Float32Array;
      const share = data.filter((v) => v === 0).length / data.length;
      expect(share).toBeGreaterThanOrEqual(0.49);
      expect(share).toBeLessThanOrEqual(0.51);
    }
    const acc = top1(pruned);
    pruned.dispose();
    console.log(`ResNet unstructured 50% top-1: dense ${dense.toFixed(2)}, reconstruct ${acc.toFixed(2)}`);
    expect(dense - acc).toBeLessThanOrEqual(1);
  });

  test('{ channels } and { blocks } reach the structured pruners: smaller dense models', async () => {
    const weightCount = (g: Graph) => g.nodes.filter((n) => n.opType === 'Conv').reduce((sum, n) => sum + g.initializers.get(n.inputs[1])!.data.length, 0);
    const channels = await engine.prune({ pattern: { channels: 0.25 }, method: 'magnitude' });
    expect(weightCount(channels.sourceGraph())).toBeLessThan(0.8 * weightCount(folded));
    expect(channels.runSync(testImages[0]).logits.dims).toEqual([1, 10]);
    // Residual streams stay whole by default (the stem conv feeds the first residual Add); pruneResidualStreams
    // reaches the channel pruner and shrinks them too.
    const outChannels = (g: Graph, name: string) => g.initializers.get(g.nodes.find((n) => n.name === name)!.inputs[1])!.dims[0];
    const stem = '/stem/stem.0/Conv';
    expect(outChannels(channels.sourceGraph(), stem)).toBe(outChannels(folded, stem));
    const streams = await engine.prune({ pattern: { channels: 0.25 }, method: 'magnitude', pruneResidualStreams: true });
    expect(outChannels(streams.sourceGraph(), stem)).toBeLessThan(outChannels(folded, stem));
    expect(streams.runSync(testImages[0]).logits.dims).toEqual([1, 10]);
    streams.dispose();
    // channelAlign reaches the channel pruner: at 0.4 a 64-wide conv keeps 40 channels by default, 32 aligned to 16.
    const conv1 = '/blocks/blocks.4/conv1/Conv';
    const [plain, aligned] = [undefined, 16].map((channelAlign) => engine.prune({ pattern: { channels: 0.4 }, method: 'magnitude', channelAlign }));
    expect([outChannels((await plain).sourceGraph(), conv1), outChannels((await aligned).sourceGraph(), conv1)]).toEqual([40, 32]);
    (await plain).dispose();
    (await aligned).dispose();
    channels.dispose();
    const blocks = await engine.prune({ pattern: { blocks: 1 }, calibration: calibration.slice(0, 20) });
    expect(blocks.sourceGraph().nodes.filter((n) => n.opType === 'Conv').length).toBeLessThan(folded.nodes.filter((n) => n.opType === 'Conv').length);
    blocks.dispose();
  });
});

describe('Gemm and MatMul layers', () => {
  test('2:4 reconstruct on an MLP (Gemm with alpha/beta/C, Gemm without C, MatMul): 2:4 along K, closer to the dense outputs than magnitude, onnxruntime agrees', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 16]);
    const h1 = b.node('Relu', [b.node('Gemm', [x, b.init('w1', [24, 16]), b.init('c1', [24])], { transB: 1, alpha: float(0.5), beta: float(2) })]);
    const h2 = b.node('Relu', [b.node('Gemm', [h1, b.init('w2', [24, 20])])]);
    const y = b.node('MatMul', [h2, b.init('w3', [20, 8])]);
    b.output(y, [1, 8]);
    const dense = Engine.fromGraph(b.build(), { threads: 1 });
    const data = randomFloats(300 * 16, 77);
    const feeds = Array.from({ length: 300 }, (_, i) => ({ x: new Tensor('float32', data.slice(i * 16, (i + 1) * 16), [1, 16]) }));
    const [calib, held] = [feeds.slice(0, 200), feeds.slice(200)];
    const reconstructed = await dense.prune({ pattern: '2:4', method: 'reconstruct', calibration: calib, denseEnds: false });
    const magnitude = await dense.prune({ pattern: '2:4', method: 'magnitude', denseEnds: false });
    const graph = reconstructed.sourceGraph();
    // (weight, K, N, element (k, n) index): 2:4 along K for every output n.
    const layouts: Array<[string, number, number, (k: number, n: number) => number]> = [
      ['w1', 16, 24, (k, n) => n * 16 + k],
      ['w2', 24, 20, (k, n) => k * 20 + n],
      ['w3', 20, 8, (k, n) => k * 8 + n],
    ];
    for (const [name, k, n, at] of layouts) {
      const w = graph.initializers.get(name)!.data as Float32Array;
      for (let o = 0; o < n; o++) {
        for (let g = 0; g < k; g += 4) {
          const nonZero = [0, 1, 2, 3].filter((i) => w[at(g + i, o)] !== 0).length;
          expect(nonZero).toBeLessThanOrEqual(2);
        }
      }
    }
    // The Gemm without C got a fitted bias.
    expect(graph.nodes.find((nd) => nd.inputs[1] === 'w2')!.inputs[2]).toBeTruthy();
    const error = (e: Engine) =>
      held.reduce((sum, f) => {
        const ref = dense.runSync(f)[y].data as Float32Array;
        const out = e.runSync(f)[y].data as Float32Array;
        return sum + ref.reduce((s, v, i) => s + (v - out[i]) ** 2, 0);
      }, 0);
    expect(error(reconstructed)).toBeLessThan(0.5 * error(magnitude));
    const session = await ortSession(encodeModel(graph));
    for (const f of held.slice(0, 5)) {
      const ref = await ortRun(session, { x: { type: 'float32', dims: [1, 16], data: f.x.data as Float32Array } });
      expectClose(y, reconstructed.runSync(f)[y], ref[y]);
    }
    for (const e of [dense, reconstructed, magnitude]) e.dispose();
  });
});
