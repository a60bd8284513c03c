/**
 * The layers weight pruning works on (Conv, Gemm, MatMul with constant float weights) and their weights as matrices in
 * the kernels' K order: one rows x K matrix per conv group, row = output channel, K = (kernel taps, input channel)
 * with the input channel fastest — the order im2col feeds the GEMM, so 2:4 groups are 4 consecutive input channels
 * at one tap.
 */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { uniqueName } from '../ir/graph-utils';
import { attrNumber, attrNumbers, attrString } from '../passes/fusion-context';

/** Conv window attributes (spatial rank = kernel.length); pads resolved against the input size at im2col time. */
export interface ConvWindow {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** ONNX order: all begins, then all ends. */
  pads: number[];
  autoPad: string;
}

export interface PrunableLayer {
  node: Node;
  kind: 'conv' | 'gemm' | 'matmul';
  weightName: string;
  /** The value whose rows (im2col rows for convs) multiply the weights. */
  input: string;
  groups: number;
  /** Output channels per group. */
  rows: number;
  /** Input channels per group (K for Gemm / MatMul). */
  channels: number;
  /** Kernel taps (1 for Gemm / MatMul); K = taps * channels. */
  taps: number;
  /** Gemm transB / MatMul: where weight (k, n) lives. */
  transposed: boolean;
  window?: ConvWindow;
}

/** Reduction length of one group's matrix. */
export function layerK(layer: PrunableLayer): number {
  return layer.taps * layer.channels;
}

function floatInitializer(g: Graph, name: string): TensorValue | undefined {
  const t = g.initializers.get(name);
  return t && t.type === 'float32' && t.data instanceof Float32Array ? t : undefined;
}

/** The layer a node is, or a reason it cannot be weight-pruned (undefined for nodes that are not Conv/Gemm/MatMul). */
export function describeLayer(g: Graph, node: Node, uses: ReadonlyMap<string, number>): PrunableLayer | string | undefined {
  if (node.domain !== '' || !['Conv', 'Gemm', 'MatMul'].includes(node.opType)) return undefined;
  const weightName = node.inputs[1];
  const w = weightName ? floatInitializer(g, weightName) : undefined;
  if (!w) return 'its weights are not a float32 constant';
  if ((uses.get(weightName) ?? 0) > 1) return 'its weights are shared with another node';
  if (node.opType === 'Conv') {
    if (w.dims.length < 3) return 'its weights have fewer than 3 dims';
    const groups = attrNumber(node, 'group', 1);
    const kernel = w.dims.slice(2);
    const rank = kernel.length;
    const m = w.dims[0];
    const layer: PrunableLayer = {
      node,
      kind: 'conv',
      weightName,
      input: node.inputs[0],
      groups,
      rows: m / groups,
      channels: w.dims[1],
      taps: kernel.reduce((a, b) => a * b, 1),
      transposed: false,
      window: {
        kernel,
        strides: attrNumbers(node, 'strides') ?? kernel.map(() => 1),
        dilations: attrNumbers(node, 'dilations') ?? kernel.map(() => 1),
        pads: attrNumbers(node, 'pads') ?? new Array(2 * rank).fill(0),
        autoPad: attrString(node, 'auto_pad', 'NOTSET'),
      },
    };
    if (!Number.isInteger(layer.rows)) return 'its output channels do not divide by its groups';
    return layer;
  }
  if (w.dims.length !== 2) return 'its weights are not a matrix';
  if (node.opType === 'Gemm') {
    if (attrNumber(node, 'transA', 0) !== 0) return 'it transposes its input (transA)';
    const transposed = attrNumber(node, 'transB', 0) !== 0;
    const [k, n] = transposed ? [w.dims[1], w.dims[0]] : w.dims;
    return { node, kind: 'gemm', weightName, input: node.inputs[0], groups: 1, rows: n, channels: k, taps: 1, transposed };
  }
  const [k, n] = w.dims;
  return { node, kind: 'matmul', weightName, input: node.inputs[0], groups: 1, rows: n, channels: k, taps: 1, transposed: false };
}

/** How many node inputs read each value. */
export function useCounts(g: Graph): Map<string, number> {
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  return uses;
}

/** Index into ONNX weight data of (group, row, k) with k in K order. */
function weightIndex(layer: PrunableLayer, group: number, row: number, k: number): number {
  const tap = Math.floor(k / layer.channels);
  const c = k - tap * layer.channels;
  const out = group * layer.rows + row;
  if (layer.kind === 'conv') return (out * layer.channels + c) * layer.taps + tap;
  // Gemm transB: W = [N, K]; otherwise W = [K, N].
  return layer.transposed ? out * layer.channels + c : c * layer.rows + out;
}

/** One rows x K matrix (row-major, K order) per group, in float64. */
export function readWeightMatrices(layer: PrunableLayer, data: Float32Array): Float64Array[] {
  const k = layerK(layer);
  const out: Float64Array[] = [];
  for (let g = 0; g < layer.groups; g++) {
    const m = new Float64Array(layer.rows * k);
    for (let r = 0; r < layer.rows; r++) for (let j = 0; j < k; j++) m[r * k + j] = data[weightIndex(layer, g, r, j)];
    out.push(m);
  }
  return out;
}

/** The ONNX weight data for matrices in K order (inverse of readWeightMatrices). */
export function writeWeightMatrices(layer: PrunableLayer, matrices: Float64Array[], length: number): Float32Array {
  const k = layerK(layer);
  const data = new Float32Array(length);
  for (let g = 0; g < layer.groups; g++) {
    const m = matrices[g];
    for (let r = 0; r < layer.rows; r++) for (let j = 0; j < k; j++) data[weightIndex(layer, g, r, j)] = m[r * k + j];
  }
  return data;
}

/**
 * The 2:4 groups along K as [start, length] pairs: 4 consecutive input channels at one tap, the last group of a tap
 * shorter when the channel count is not a multiple of 4 (such a group keeps at most 2 non-zeros).
 */
export function sparse24Groups(layer: PrunableLayer): Array<[number, number]> {
  const groups: Array<[number, number]> = [];
  for (let t = 0; t < layer.taps; t++) {
    for (let c = 0; c < layer.channels; c += 4) groups.push([t * layer.channels + c, Math.min(4, layer.channels - c)]);
  }
  return groups;
}

/** A layer's bias `a` in y = scale·(W·x + a), one value per output, and how to store new values in the graph. */
export interface LayerBias {
  values: Float64Array;
  write(values: Float64Array): void;
}

/**
 * The bias reconstruction may re-fit: a Conv's (added as zeros when missing), a Gemm's C when it is one value per
 * output and beta ≠ 0 (added when missing); undefined for MatMul and anything else.
 */
export function layerBias(graph: Graph, layer: PrunableLayer, uses: ReadonlyMap<string, number>): LayerBias | undefined {
  if (layer.kind === 'matmul') return undefined;
  const outputs = layer.groups * layer.rows;
  const alpha = layer.kind === 'gemm' ? attrNumber(layer.node, 'alpha', 1) : 1;
  const beta = layer.kind === 'gemm' ? attrNumber(layer.node, 'beta', 1) : 1;
  if (alpha === 0 || beta === 0) return undefined;
  const name = layer.node.inputs[2];
  const existing = name ? floatInitializer(graph, name) : undefined;
  if (name && (!existing || existing.data.length !== outputs || existing.dims.length > 2 || (uses.get(name) ?? 0) > 1)) return undefined;
  const values = new Float64Array(outputs);
  if (existing) for (let i = 0; i < outputs; i++) values[i] = (existing.data[i] as number) * (beta / alpha);
  return {
    values,
    write(next: Float64Array) {
      const data = Float32Array.from(next, (v) => v * (alpha / beta));
      const target = existing && name ? name : uniqueName(graph, `${layer.weightName}_bias`);
      graph.initializers.set(target, { type: 'float32', dims: existing ? existing.dims.slice() : [outputs], data });
      if (!existing) {
        while (layer.node.inputs.length < 2) layer.node.inputs.push('');
        layer.node.inputs[2] = target;
      }
    },
  };
}
