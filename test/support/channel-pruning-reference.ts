/**
 * Plain references for structured pruning tests: the Fashion-MNIST fixtures folded as prune-engine hands them over,
 * and the ORIGINAL graph with removed channels zeroed instead of cut (same shapes), which onnxruntime-node runs.
 */
import { join } from 'path';
import { Engine, Tensor } from '../../lib';
import type { Graph, Node, TensorValue } from '../../lib/ir/graph';
import { cloneGraph } from '../../lib/ir/graph-utils';
import { loadNpy } from '../../lib/format/npy';
import { removeDeadNodes } from '../../lib/passes/dead-nodes';
import { foldForPruning } from '../../lib/prune/prune-engine';

export const FMNIST = join(__dirname, '..', 'fixtures', 'fashion-mnist');

/** Constants, BN and per-channel affine ops folded. */
export function foldedSource(engine: Engine): Graph {
  return foldForPruning(engine.sourceGraph());
}

/** Both Fashion-MNIST fixtures (1 thread) with their folded graphs. */
export interface Fixtures {
  resnet: Engine;
  mobilenet: Engine;
  resnetGraph: Graph;
  mobilenetGraph: Graph;
}

/** Loads the fixtures in beforeAll and disposes them in afterAll; the object is filled once beforeAll ran. */
export function useFixtures(): Fixtures {
  const f = {} as Fixtures;
  beforeAll(async () => {
    f.resnet = await Engine.load(join(FMNIST, 'resnet-fmnist.onnx'), { threads: 1 });
    f.mobilenet = await Engine.load(join(FMNIST, 'mobilenet-fmnist.onnx'), { threads: 1 });
    f.resnetGraph = foldedSource(f.resnet);
    f.mobilenetGraph = foldedSource(f.mobilenet);
  });
  afterAll(() => {
    f.resnet?.dispose();
    f.mobilenet?.dispose();
  });
  return f;
}

const calibration = loadNpy(join(FMNIST, 'calibration.npy')).data as Float32Array;

/** Calibration image i as feeds of batch 1. */
export function calibrationSample(i: number): Record<string, Tensor> {
  return { input: new Tensor('float32', calibration.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) };
}

let training: Uint8Array | undefined;

/**
 * Training-subset image i (train-images.npy: 5000 raw Fashion-MNIST training images after the 500 of
 * calibration.npy), normalized as the fixtures' training was ((x / 255 − 0.286) / 0.353), as feeds of batch 1.
 */
export function trainingSample(i: number): Record<string, Tensor> {
  training ??= loadNpy(join(FMNIST, 'train-images.npy')).data as Uint8Array;
  const x = new Float32Array(784);
  for (let j = 0; j < 784; j++) x[j] = (training[i * 784 + j] / 255 - 0.286) / 0.353;
  return { input: new Tensor('float32', x, [1, 1, 28, 28]) };
}

/** `count` calibration images from `start` as one batch (plain typed data for onnxruntime too). */
export function calibrationBatch(start: number, count: number): { dims: number[]; data: Float32Array } {
  return { dims: [count, 1, 28, 28], data: calibration.slice(start * 784, (start + count) * 784) };
}

/** Top-1 accuracy in % on the 2000-image test subset (batches of 100). */
export function testAccuracy(engine: Engine): number {
  const images = loadNpy(join(FMNIST, 'test-images.npy')).data as Float32Array;
  const labels = loadNpy(join(FMNIST, 'test-labels.npy')).data as BigInt64Array;
  let correct = 0;
  const count = 2000;
  for (let start = 0; start < count; start += 100) {
    const logits = engine.runSync({ input: new Tensor('float32', images.slice(start * 784, (start + 100) * 784), [100, 1, 28, 28]) }).logits.data as Float32Array;
    for (let i = 0; i < 100; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
      if (best === Number(labels[start + i])) correct++;
    }
  }
  return (100 * correct) / count;
}

/** Conv/Gemm MACs of a 1x28x28 Fashion-MNIST model for batch 1, from weight dims and stride/pad arithmetic (not from the library). */
export function macsOf(g: Graph): number {
  const size = new Map<string, number[]>([[g.inputs[0].name, [1, 28, 28]]]); // value → [C, H, W] or [N]
  let macs = 0;
  for (const n of g.nodes) {
    const x = size.get(n.inputs[0])!;
    const y = n.outputs[0];
    const w = g.initializers.get(n.inputs[1]);
    const ints = (name: string, d: number[]) => (n.attrs[name]?.kind === 'ints' ? (n.attrs[name].value as number[]) : d);
    if (n.opType === 'Conv') {
      const [kh, kw] = w!.dims.slice(2);
      const [sh, sw] = ints('strides', [1, 1]);
      const pads = ints('pads', [0, 0, 0, 0]);
      const oh = Math.floor((x[1] + pads[0] + pads[2] - kh) / sh) + 1;
      const ow = Math.floor((x[2] + pads[1] + pads[3] - kw) / sw) + 1;
      macs += w!.dims[0] * oh * ow * w!.dims[1] * kh * kw;
      size.set(y, [w!.dims[0], oh, ow]);
    } else if (n.opType === 'Gemm') {
      macs += w!.dims[0] * w!.dims[1];
      size.set(y, [w!.dims[0]]);
    } else if (n.opType === 'GlobalAveragePool') size.set(y, [x[0], 1, 1]);
    else if (n.opType === 'Flatten') size.set(y, [x.reduce((a, b) => a * b, 1)]);
    else size.set(y, x);
  }
  return macs;
}

/** Axis of the output channels / reduction inputs of a weighted node's weight. */
function axes(node: Node): { out: number; in: number } {
  if (node.opType === 'Conv') return { out: 0, in: 1 };
  if (node.opType === 'MatMul') return { out: 1, in: 0 };
  const transB = node.attrs.transB?.kind === 'int' && node.attrs.transB.value !== 0;
  return transB ? { out: 0, in: 1 } : { out: 1, in: 0 };
}

/** Calls f(index along axis a, index along axis b, flat index) for every element of a tensor with `dims`. */
function forEachPair(dims: number[], a: number, b: number, f: (i: number, j: number, flat: number) => void): void {
  const strides = dims.map((_, k) => dims.slice(k + 1).reduce((x, y) => x * y, 1));
  const total = dims.reduce((x, y) => x * y, 1);
  for (let flat = 0; flat < total; flat++) f(Math.floor(flat / strides[a]) % dims[a], Math.floor(flat / strides[b]) % dims[b], flat);
}

/**
 * The original graph where every weighted node's removed output channels (`outputs`: kept ones) and removed inputs
 * (`inputs`: kept positions) have zero weights and bias. With `pruned`, the kept weights and biases are taken from
 * the pruned graph instead (scattered back to their original positions), so re-fitted weights are checked too.
 */
export function maskedReference(original: Graph, kept: { outputs: Map<string, number[]>; inputs: Map<string, number[]> }, pruned?: Graph): Graph {
  const g = cloneGraph(original);
  const prunedNodes = new Map((pruned?.nodes ?? []).map((n) => [n.name, n]));
  const names = new Set([...kept.outputs.keys(), ...kept.inputs.keys()]);
  for (const node of g.nodes) {
    if (!names.has(node.name)) continue;
    const w = g.initializers.get(node.inputs[1])!;
    const ax = axes(node);
    const keepOut = kept.outputs.get(node.name) ?? Array.from({ length: w.dims[ax.out] }, (_, i) => i);
    const keepIn = kept.inputs.get(node.name) ?? Array.from({ length: w.dims[ax.in] }, (_, i) => i);
    const source = pruned ? pruned.initializers.get(prunedNodes.get(node.name)!.inputs[1])! : undefined;
    const data = new Float32Array(w.data.length);
    const outPos = new Map(keepOut.map((c, i) => [c, i]));
    const inPos = new Map(keepIn.map((c, i) => [c, i]));
    const srcDims = source?.dims;
    forEachPair(w.dims, ax.out, ax.in, (o, i, flat) => {
      if (!outPos.has(o) || !inPos.has(i)) return;
      if (!source) {
        data[flat] = (w.data as Float32Array)[flat];
        return;
      }
      // Same position in the pruned tensor: replace the two indices, keep the rest (kernel taps).
      const idx = w.dims.map((_, k) => Math.floor(flat / w.dims.slice(k + 1).reduce((x, y) => x * y, 1)) % w.dims[k]);
      idx[ax.out] = outPos.get(o)!;
      idx[ax.in] = inPos.get(i)!;
      let src = 0;
      for (let k = 0; k < idx.length; k++) src = src * srcDims![k] + idx[k];
      data[flat] = (source.data as Float32Array)[src];
    });
    const wName = `${node.inputs[1]}_masked`;
    g.initializers.set(wName, { type: 'float32', dims: w.dims.slice(), data });
    node.inputs[1] = wName;
    const prunedNode = prunedNodes.get(node.name);
    if (node.opType === 'MatMul') continue;
    const biasSource = pruned ? (prunedNode!.inputs[2] ? pruned.initializers.get(prunedNode!.inputs[2]) : undefined) : node.inputs[2] ? g.initializers.get(node.inputs[2]) : undefined;
    const outCount = w.dims[ax.out];
    const bias = new Float32Array(outCount);
    if (biasSource) {
      const full = biasSource.data.length === outCount && !pruned;
      keepOut.forEach((c, i) => (bias[c] = (biasSource.data as Float32Array)[full ? c : i]));
    }
    const bName = `${node.name}_bias_masked`;
    g.initializers.set(bName, { type: 'float32', dims: [outCount], data: bias } as TensorValue);
    while (node.inputs.length < 3) node.inputs.push('');
    node.inputs[2] = bName;
    if (prunedNode) node.attrs = { ...prunedNode.attrs };
  }
  removeDeadNodes(g);
  return g;
}
