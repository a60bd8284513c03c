/** engine.summary(): per weighted layer its parameters, MACs for batch 1, sparsity pattern and the native kernel chosen; with totals. */
import type { Engine } from '../engine';
import type { Graph, Node, TensorValue } from '../ir/graph';
import { elementSize } from '../ir/tensor-values';
import { native } from '../native';
import { foldBatchNorms } from '../passes/batchnorm-folding';
import { foldConstants } from '../passes/constant-folding';
import { foldConvAffine } from '../passes/conv-affine-folding';
import { specialize } from '../passes/shape-inference';
import { compilePlan } from '../plan/compile';

export interface LayerSummary {
  name: string;
  opType: string;
  /** Elements of the weights and bias. */
  parameters: number;
  /** Multiply-accumulates of one run with batch 1 (every symbolic dim taken as 1), counting zero weights too. */
  macs: number;
  /** 'dense' (under 5% zeros), '2:4', 'unstructured 50%' ... */
  sparsity: string;
  /** Native kernel running the layer ('' when the plan has none for it). */
  kernel: string;
}

export interface ModelSummary {
  layers: LayerSummary[];
  /** parameters and macs: sums over the layers; weightBytes: every constant tensor of the model as stored. */
  totals: { parameters: number; macs: number; weightBytes: number };
}

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.kind === 'int' ? a.value : fallback;
}

/** Multiply-accumulates of a weighted node from its input, weight and output dims. */
export function layerMacs(node: Node, x: readonly number[], w: readonly number[], y: readonly number[]): number {
  switch (node.opType) {
    case 'Conv':
      // every output element sums C/group x kernel products
      return product(y) * product(w.slice(1));
    case 'ConvTranspose':
      // every input element scatters into M/group x kernel outputs
      return product(x) * product(w.slice(1));
    case 'Gemm': {
      const k = intAttr(node, 'transA', 0) ? x[0] : x[1];
      return product(y) * k;
    }
    default:
      return product(y) * x[x.length - 1];
  }
}

/** The weights as numbers with their zero value (int8 weights behind a DequantizeLinear compare with the zero point). */
function weightValues(g: Graph, name: string, producers: Map<string, Node>): { values: ArrayLike<number>; zero: number; dims: number[] } | undefined {
  const t = g.initializers.get(name);
  if (t && t.type !== 'string' && !(t.data instanceof BigInt64Array) && !(t.data instanceof BigUint64Array)) return { values: t.data as ArrayLike<number>, zero: 0, dims: t.dims };
  const dq = producers.get(name);
  if (dq?.opType === 'DequantizeLinear') {
    const raw = g.initializers.get(dq.inputs[0]);
    const zp = dq.inputs[2] ? g.initializers.get(dq.inputs[2]) : undefined;
    if (!raw || (zp && zp.dims.length > 0 && product(zp.dims) > 1)) return undefined;
    const zero = zp ? Number((zp.data as ArrayLike<number>)[0]) : 0;
    return { values: raw.data as ArrayLike<number>, zero, dims: raw.dims };
  }
  return undefined;
}

/** True when every group of 4 consecutive weights along rows of length `k` has at most 2 non-zeros. */
function isTwoFour(values: ArrayLike<number>, zero: number, rows: number, k: number, order: (row: number, i: number) => number): boolean {
  if (k % 4 !== 0) return false;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i += 4) {
      let nonZero = 0;
      for (let j = 0; j < 4; j++) if (values[order(r, i + j)] !== zero) nonZero++;
      if (nonZero > 2) return false;
    }
  }
  return true;
}

/** Below this share of zero weights a layer counts as dense (int8 rounding alone zeroes a few percent). */
const DENSE_BELOW = 0.05;

/** 'dense', '2:4' (along the reduction dim in ONNX or channels-last order) or 'unstructured NN%'. */
export function sparsityPattern(node: Node, values: ArrayLike<number>, zero: number, dims: readonly number[]): string {
  let zeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === zero) zeros++;
  if (values.length === 0 || zeros < DENSE_BELOW * values.length) return 'dense';
  let rows: number;
  let k: number;
  let orders: ((r: number, i: number) => number)[];
  if (node.opType === 'Conv' && dims.length >= 3) {
    rows = dims[0];
    k = values.length / rows;
    const c = dims[1];
    const taps = k / c;
    // ONNX order [c][ky][kx] and channels-last order [ky][kx][c]
    orders = [(r, i) => r * k + i, (r, i) => r * k + (i % c) * taps + Math.floor(i / c)];
  } else if (dims.length === 2) {
    const transB = node.opType === 'Gemm' && intAttr(node, 'transB', 0) !== 0;
    rows = transB ? dims[0] : dims[1];
    k = transB ? dims[1] : dims[0];
    orders = [transB ? (r, i) => r * k + i : (r, i) => i * rows + r];
  } else {
    rows = 1;
    k = values.length;
    orders = [(r, i) => i];
  }
  if (zeros * 2 >= values.length && orders.some((o) => isTwoFour(values, zero, rows, k, o))) return '2:4';
  return `unstructured ${Math.round((100 * zeros) / values.length)}%`;
}

/** Layout plumbing a plan adds around a layer's real op. */
const PLUMBING = new Set(['Reshape', 'Transpose']);

/**
 * Native ops per ONNX node name of the engine's last run, else of a batch-1 plan compiled here (fused ops are named
 * `a+b`, so each part maps to the fused op).
 */
function opsByNode(engine: Engine, shapes: Map<string, number[]>): Map<string, { type: string; kernel: string }[]> {
  const out = new Map<string, { type: string; kernel: string }[]>();
  const entries: { name: string; type: string; kernel: string }[] = engine.profile().map((p) => ({ name: p.name, type: p.type, kernel: p.kernel }));
  if (entries.length === 0) {
    const options = engine.engineOptions();
    const compiled = compilePlan(engine.optimizedGraph(), shapes, { threads: options.threads ?? 1, isa: options.isa ?? '', maxMemoryBytes: options.maxMemoryBytes });
    const plan = new (native().Plan)(compiled.desc);
    try {
      const kernels = plan.kernels();
      compiled.desc.ops.forEach((op, i) => entries.push({ name: op.name, type: op.type, kernel: kernels[i] ?? '' }));
    } finally {
      plan.dispose();
    }
  }
  for (const e of entries) for (const part of e.name.split('+')) out.set(part, [...(out.get(part) ?? []), e]);
  return out;
}

/** The kernel of the op computing a layer: the op of the same type, else the first that is not layout plumbing. */
function kernelOf(ops: { type: string; kernel: string }[] | undefined, opType: string): string {
  if (!ops) return '';
  return (ops.find((o) => o.type === opType) ?? ops.find((o) => !PLUMBING.has(o.type)) ?? ops[0]).kernel;
}

/** Summary of the model an engine runs (its source graph with BN folded), with the kernels of its plan for batch 1. */
export function summarizeEngine(engine: Engine): ModelSummary {
  // BN and per-channel affine ops folded into their convs, as the engine runs them.
  let source = engine.sourceGraph();
  foldConstants(source);
  source = foldConvAffine(foldBatchNorms(source));
  const inputShapes = new Map(source.inputs.map((v) => [v.name, v.shape.map((d) => (typeof d === 'number' ? d : 1))]));
  const g = specialize(source, inputShapes);
  const shapes = new Map<string, number[]>();
  for (const [name, v] of g.valueInfo) shapes.set(name, v.shape as number[]);
  for (const [name, t] of g.initializers) shapes.set(name, t.dims);
  const producers = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producers.set(o, n);
  const ops = opsByNode(engine, inputShapes);
  const layers: LayerSummary[] = [];
  for (const node of g.nodes) {
    if (!WEIGHTED.has(node.opType) || node.domain !== '') continue;
    const x = shapes.get(node.inputs[0]);
    const w = shapes.get(node.inputs[1]);
    const y = shapes.get(node.outputs[0]);
    if (!x || !w || !y) continue;
    const bias = node.inputs[2] ? shapes.get(node.inputs[2]) : undefined;
    const weights = weightValues(g, node.inputs[1], producers);
    layers.push({
      name: node.name,
      opType: node.opType,
      // MatMul of two computed values has no parameters
      parameters: weights ? product(w) + (bias ? product(bias) : 0) : 0,
      macs: layerMacs(node, x, w, y),
      sparsity: weights ? sparsityPattern(node, weights.values, weights.zero, weights.dims) : 'dense',
      kernel: kernelOf(ops.get(node.name), node.opType),
    });
  }
  let weightBytes = 0;
  for (const t of engine.sourceGraph().initializers.values()) weightBytes += weightBytesOf(t);
  return {
    layers,
    totals: {
      parameters: layers.reduce((n, l) => n + l.parameters, 0),
      macs: layers.reduce((n, l) => n + l.macs, 0),
      weightBytes,
    },
  };
}

function weightBytesOf(t: TensorValue): number {
  if (t.type === 'string') return (t.data as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  return product(t.dims) * elementSize(t.type);
}
