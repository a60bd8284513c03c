/**
 * engine.quantize on the Fashion-MNIST fixtures: the QDQ graph's structure, what onnxruntime makes of it (QLinearConv
 * for every Conv), accuracy on the 2000-image test subset against fp32, weight size, progress events and errors.
 * @jest-environment ./test/support/ort-environment.js
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import type { Graph, Node, TensorValue } from '../lib/ir/graph';
import { decodeModel } from '../lib/onnx/decode';
import type { ProgressEvent } from '../lib/calibration/calibration-data';
import { ortSession } from './support/ort';
import { parameterBytes } from '../lib/quant/parameter-bytes';
import * as ort from 'onnxruntime-node';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');
const SIZE = 28 * 28;
const calibrationImages = loadNpy(join(DIR, 'calibration.npy')).data as Float32Array;
const testImages = loadNpy(join(DIR, 'test-images.npy')).data as Float32Array;
const labels = loadNpy(join(DIR, 'test-labels.npy')).data as BigInt64Array;
const TEST_COUNT = labels.length;

function calibration(count: number): Record<string, Tensor>[] {
  const out: Record<string, Tensor>[] = [];
  for (let i = 0; i < count; i++) out.push({ input: new Tensor('float32', calibrationImages.slice(i * SIZE, (i + 1) * SIZE), [1, 1, 28, 28]) });
  return out;
}

/** Predicted classes of onnxruntime for the whole test subset (one batched run). */
async function ortPredictions(model: Uint8Array, optimizedPath?: string): Promise<Int32Array> {
  const session = optimizedPath
    ? await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', optimizedModelFilePath: optimizedPath })
    : await ortSession(model, 1);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', testImages, [TEST_COUNT, 1, 28, 28]) });
    return argmaxRows(result.logits.data as Float32Array, 10);
  } finally {
    await session.release();
  }
}

function argmaxRows(logits: Float32Array, classes: number): Int32Array {
  const out = new Int32Array(logits.length / classes);
  for (let r = 0; r < out.length; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k] > logits[r * classes + best]) best = k;
    out[r] = best;
  }
  return out;
}

function top1(predictions: Int32Array): number {
  let ok = 0;
  predictions.forEach((p, i) => {
    if (p === Number(labels[i])) ok++;
  });
  return (100 * ok) / predictions.length;
}

function initializerBytes(g: Graph): number {
  let bytes = 0;
  for (const t of g.initializers.values()) bytes += (t.data as { byteLength: number }).byteLength;
  return bytes;
}

function producerOf(g: Graph, value: string): Node | undefined {
  return g.nodes.find((n) => n.outputs.includes(value));
}

function consumersOf(g: Graph, value: string): Node[] {
  return g.nodes.filter((n) => n.inputs.includes(value));
}

function scalarOf(g: Graph, name: string): number {
  return Number((g.initializers.get(name) as TensorValue).data[0]);
}

/** Predicted classes of our engine over the test subset, in batches of 100. */
async function enginePredictions(engine: Engine): Promise<Int32Array> {
  const out = new Int32Array(TEST_COUNT);
  for (let start = 0; start < TEST_COUNT; start += 100) {
    const n = Math.min(100, TEST_COUNT - start);
    const { logits } = await engine.run({ input: new Tensor('float32', testImages.slice(start * SIZE, (start + n) * SIZE), [n, 1, 28, 28]) });
    out.set(argmaxRows(logits.data as Float32Array, 10), start);
  }
  return out;
}

/**
 * Bytes the QDQ model must hold, counted from the folded fp32 graph's structure alone: per weighted layer k int8
 * weights, an int32 bias per channel, a float32 weight scale per channel or per tensor (per tensor only for layers
 * with <= 16 weights a channel), int8 zero points for Gemm weights; per quantized activation tensor a float32 scale
 * and a u8 zero point; the float32 bounds of each Clip. Bias scales are computed (Mul), Conv weight zero points left out.
 */
function expectedInt8Bytes(qdq: Graph, perTensorLayers: Set<string>): number {
  let bytes = 0;
  for (const n of qdq.nodes) {
    if (n.opType !== 'Conv' && n.opType !== 'Gemm') continue;
    const wDq = producerOf(qdq, n.inputs[1])!;
    const w = qdq.initializers.get(wDq.inputs[0])!;
    const channels = w.dims[0]; // Conv [M, C, kh, kw]; the Gemm heads have transB = 1: [N, K]
    const scales = perTensorLayers.has(n.name) ? 1 : channels;
    bytes += w.data.length + 4 * channels + 4 * scales + (n.opType === 'Gemm' ? scales : 0);
  }
  const activations = new Set(qdq.nodes.filter((n) => n.opType === 'QuantizeLinear').map((n) => n.inputs[0]));
  const clipBounds = new Set(qdq.nodes.filter((n) => n.opType === 'Clip').flatMap((n) => n.inputs.slice(1).filter((b) => b !== '')));
  return bytes + 5 * activations.size + 4 * clipBounds.size;
}

// Parameter bytes (lib/quant/parameter-bytes.ts): fp32 model as given (BN unfolded) → QDQ model with the default
// weight granularity. MobileNet's 3x3 depthwise layers go per tensor ('auto').
describe.each([
  ['resnet-fmnist', 16, 3.5],
  ['mobilenet-fmnist', 20, 3.5],
])('%s', (model, convCount, minRatio) => {
  let engine: Engine;
  let quantized: Engine;
  let qdq: Graph;
  let fp32Bytes: number;
  const events: ProgressEvent[] = [];

  beforeAll(async () => {
    engine = await Engine.load(join(DIR, `${model}.onnx`), { threads: 1 });
    fp32Bytes = initializerBytes(engine.sourceGraph());
    quantized = await engine.quantize({ calibration: calibration(100), onProgress: (e) => events.push(e) });
    qdq = quantized.sourceGraph();
  });
  afterAll(() => {
    quantized.dispose();
    engine.dispose();
  });

  /** Convs whose weights have per-tensor scales. */
  function perTensorLayers(): Set<string> {
    return new Set(qdq.nodes.filter((n) => (n.opType === 'Conv' || n.opType === 'Gemm') && qdq.initializers.get(producerOf(qdq, n.inputs[1])!.inputs[1])!.dims.length === 0).map((n) => n.name));
  }

  test('progress arrives per sample, monotone, ending at done == total', () => {
    expect(events.length).toBe(100);
    events.forEach((e, i) => expect(e).toEqual({ phase: 'calibrate', done: i + 1, total: 100 }));
  });
  test('QDQ layout: every Conv reads its own DequantizeLinear of u8 activations, int8 weights and an int32 bias whose scale is a Mul of x_scale and w_scale', () => {
    const convs = qdq.nodes.filter((n) => n.opType === 'Conv');
    expect(convs.length).toBe(convCount);
    for (const conv of convs) {
      const [xDq, wDq, bDq] = conv.inputs.map((v) => producerOf(qdq, v));
      for (const dq of [xDq, wDq, bDq]) expect(dq?.opType).toBe('DequantizeLinear');
      // The activation DQ belongs to this Conv alone and dequantizes a QuantizeLinear output (u8).
      expect(consumersOf(qdq, conv.inputs[0])).toEqual([conv]);
      expect(producerOf(qdq, xDq!.inputs[0])?.opType).toBe('QuantizeLinear');
      expect(qdq.initializers.get(xDq!.inputs[2])?.type).toBe('uint8');
      const w = qdq.initializers.get(wDq!.inputs[0])!;
      const wScale = qdq.initializers.get(wDq!.inputs[1])!;
      expect(w.type).toBe('int8');
      expect(wDq!.inputs.length).toBe(2); // symmetric: zero points 0 by default, not stored
      const perWeightsOfChannel = w.data.length / w.dims[0];
      if (wScale.dims.length === 0) {
        expect(perWeightsOfChannel).toBeLessThanOrEqual(16);
        expect(wDq!.attrs.axis).toBeUndefined();
      } else {
        expect(wDq!.attrs.axis).toEqual({ kind: 'int', value: 0 });
        expect(wScale.dims).toEqual([w.dims[0]]);
      }
      expect(Math.max(...Array.from(w.data as Int8Array, Math.abs))).toBe(127);
      const b = qdq.initializers.get(bDq!.inputs[0])!;
      expect(b.type).toBe('int32');
      // Bias scale = float32(x_scale * w_scale[m]), computed by a Mul of the two stored scales.
      const mul = producerOf(qdq, bDq!.inputs[1])!;
      expect(mul.opType).toBe('Mul');
      expect(mul.inputs).toEqual([xDq!.inputs[1], wDq!.inputs[1]]);
      expect(bDq!.attrs.axis).toEqual(wDq!.attrs.axis);
      // Output: straight into QuantizeLinear, or through one Relu / Clip whose QuantizeLinear has zero point 0.
      const [next] = consumersOf(qdq, conv.outputs[0]);
      if (next.opType === 'Relu' || next.opType === 'Clip') {
        const [q] = consumersOf(qdq, next.outputs[0]);
        expect(q.opType).toBe('QuantizeLinear');
        expect(scalarOf(qdq, q.inputs[2])).toBe(0);
      } else {
        expect(next.opType).toBe('QuantizeLinear');
      }
    }
    expect(qdq.nodes.some((n) => n.opType === 'BatchNormalization')).toBe(false);
  });

  test('parameter bytes match an independent count and are >= 3.5x smaller than the fp32 model', () => {
    const perTensor = perTensorLayers();
    if (model === 'mobilenet-fmnist') expect(perTensor.size).toBeGreaterThanOrEqual(5); // the five depthwise layers
    const int8Bytes = initializerBytes(qdq);
    expect(int8Bytes).toBe(expectedInt8Bytes(qdq, perTensor));
    expect(parameterBytes(qdq)).toBe(int8Bytes);
    const ratio = fp32Bytes / int8Bytes;
    expect(ratio).toBeGreaterThanOrEqual(minRatio);
    expect(ratio).toBeLessThan(4);
  });

  test('top-1 drop <= 0.5 points (sparq int8 and onnxruntime on the export, which runs every Conv as QLinearConv), agreement >= 99.5%', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparq-quant-'));
    const exported = join(dir, `${model}-int8.onnx`);
    await quantized.exportOnnx(exported);
    const optimized = join(dir, `${model}-ort.onnx`);
    const fp32 = top1(await enginePredictions(engine));
    const theirs = await ortPredictions(readFileSync(exported), optimized);
    const ortGraph = decodeModel(readFileSync(optimized));
    expect(ortGraph.nodes.filter((n) => n.opType === 'QLinearConv').length).toBe(convCount);
    expect(ortGraph.nodes.some((n) => n.opType === 'Conv')).toBe(false);
    expect(fp32 - top1(theirs)).toBeLessThanOrEqual(0.5);
    // sparq's int8 engine on the same graph: within budget too, and the same top-1 as onnxruntime.
    const ours = await enginePredictions(quantized);
    expect(fp32 - top1(ours)).toBeLessThanOrEqual(0.5);
    let same = 0;
    ours.forEach((p, i) => {
      if (p === theirs[i]) same++;
    });
    expect((100 * same) / TEST_COUNT).toBeGreaterThanOrEqual(99.5);
  });
});
