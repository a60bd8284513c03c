/**
 * Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization"): for Conv → (positively homogeneous
 * activation) → Conv pairs, output channel i of the first is divided by s_i and input channel i of the second
 * multiplied by s_i, s_i = sqrt(r1_i / r2_i), so both see the range sqrt(r1_i · r2_i) and per-tensor (or depthwise)
 * weight grids waste less of their range. Exact in real arithmetic because relu(x / s) = relu(x) / s for s > 0.
 */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { FusionContext, attrNumber } from '../passes/fusion-context';

/**
 * Activations f with f(x / s) = f(x) / s for every s > 0. ReLU6 / Clip(0, 6) is not: its bound would have to become
 * 6 / s_i per channel, which one Clip cannot express, so such pairs are skipped (as are HardSwish and the like).
 */
const HOMOGENEOUS = new Set(['Relu', 'LeakyRelu']);

/** One equalizable pair: `first`'s output channels feed `second`'s input channels, through `activation` if any. */
export interface EqualizationPair {
  first: Node;
  second: Node;
  activation?: Node;
}

export interface EqualizationResult {
  pairs: EqualizationPair[];
  /** Sweeps over all pairs until the scales settled. */
  iterations: number;
}

const floatWeights = (t: TensorValue | undefined): t is TensorValue & { data: Float32Array } => !!t && t.type === 'float32' && t.data instanceof Float32Array;

/** Clip without finite bounds other than 0 is a ReLU (or the identity) and stays homogeneous. */
function homogeneous(ctx: FusionContext, node: Node): boolean {
  if (node.domain !== '') return false;
  if (HOMOGENEOUS.has(node.opType)) return true;
  if (node.opType !== 'Clip') return false;
  const [lo, hi] = [node.inputs[1] ?? '', node.inputs[2] ?? ''].map((b) => (b ? ctx.scalar(b) : undefined));
  const loOk = !node.inputs[1] || lo === 0 || lo === -Infinity;
  const hiOk = !node.inputs[2] || hi === Infinity;
  return loOk && hiOk && (!node.inputs[1] || lo !== undefined) && (!node.inputs[2] || hi !== undefined);
}

/** A Conv whose weight (and bias) are float constants read by no other node. */
function ownedConv(ctx: FusionContext, node: Node | undefined): node is Node {
  if (!node || node.domain !== '' || node.opType !== 'Conv') return false;
  const [, w, b] = node.inputs;
  if (!floatWeights(ctx.constant(w)) || ctx.consumersOf(w).length !== 1) return false;
  if (ctx.constant(node.inputs[0])) return false;
  return !b || (floatWeights(ctx.constant(b)) && ctx.consumersOf(b).length === 1);
}

/** Conv → [Relu | LeakyRelu | Clip(0, ∞)] → Conv pairs whose middle values feed nothing else. */
export function equalizationPairs(g: Graph): EqualizationPair[] {
  const ctx = new FusionContext(g);
  const pairs: EqualizationPair[] = [];
  for (const first of g.nodes) {
    if (!ownedConv(ctx, first)) continue;
    let next = ctx.soleConsumer(first.outputs[0]);
    let activation: Node | undefined;
    if (next && homogeneous(ctx, next)) {
      activation = next;
      next = ctx.soleConsumer(next.outputs[0]);
    }
    if (!ownedConv(ctx, next) || next.inputs[0] !== (activation ?? first).outputs[0]) continue;
    const channels = ctx.constant(first.inputs[1])!.dims[0];
    const w2 = ctx.constant(next.inputs[1])!;
    if (w2.dims[1] * attrNumber(next, 'group', 1) !== channels) continue;
    pairs.push({ first, second: next, activation });
  }
  return pairs;
}

/** max |w| per output channel (axis 0). */
function outputRanges(w: TensorValue & { data: Float32Array }): Float64Array {
  const m = w.dims[0];
  const inner = w.data.length / m;
  const r = new Float64Array(m);
  for (let o = 0; o < m; o++) for (let k = 0; k < inner; k++) r[o] = Math.max(r[o], Math.abs(w.data[o * inner + k]));
  return r;
}

/** Calls f(index, inputChannel) for every weight of a grouped Conv [M, C/group, ...]. */
function forEachInputChannel(w: TensorValue, group: number, f: (index: number, channel: number) => void): void {
  const [m, cpg] = w.dims;
  const spatial = w.data.length / (m * cpg);
  const outPerGroup = m / group;
  for (let o = 0; o < m; o++) {
    const base = Math.floor(o / outPerGroup) * cpg;
    for (let c = 0; c < cpg; c++) for (let k = 0; k < spatial; k++) f((o * cpg + c) * spatial + k, base + c);
  }
}

/** Rescales one pair; returns the largest |log s_i| applied (0 when already equalized). */
function equalizePair(g: Graph, pair: EqualizationPair): number {
  const w1 = g.initializers.get(pair.first.inputs[1]) as TensorValue & { data: Float32Array };
  const w2 = g.initializers.get(pair.second.inputs[1]) as TensorValue & { data: Float32Array };
  const group2 = attrNumber(pair.second, 'group', 1);
  const r1 = outputRanges(w1);
  const r2 = new Float64Array(r1.length);
  forEachInputChannel(w2, group2, (i, c) => (r2[c] = Math.max(r2[c], Math.abs(w2.data[i]))));
  const s = new Float64Array(r1.length);
  let change = 0;
  for (let c = 0; c < s.length; c++) {
    s[c] = r1[c] > 0 && r2[c] > 0 ? Math.sqrt(r1[c] / r2[c]) : 1;
    change = Math.max(change, Math.abs(Math.log(s[c])));
  }
  // New arrays: initializer data may be shared with the graph this one was cloned from.
  const inner = w1.data.length / s.length;
  const a = w1.data.map((v, i) => v / s[Math.floor(i / inner)]);
  const b = new Float32Array(w2.data.length);
  forEachInputChannel(w2, group2, (i, c) => (b[i] = w2.data[i] * s[c]));
  g.initializers.set(pair.first.inputs[1], { type: 'float32', dims: w1.dims.slice(), data: a });
  g.initializers.set(pair.second.inputs[1], { type: 'float32', dims: w2.dims.slice(), data: b });
  const biasName = pair.first.inputs[2];
  if (biasName) {
    const bias = g.initializers.get(biasName) as TensorValue & { data: Float32Array };
    g.initializers.set(biasName, { type: 'float32', dims: bias.dims.slice(), data: bias.data.map((v, c) => v / s[c]) });
  }
  return change;
}

/**
 * Equalizes every pair of `g` in place (initializers are replaced, never written into), sweeping until no scale
 * moves by more than `tolerance` (relative) or `maxIterations` sweeps. Chains (A → B → C) converge over sweeps.
 * Constants must be initializers (run after constant folding).
 */
export function equalizeGraph(g: Graph, maxIterations = 20, tolerance = 1e-4): EqualizationResult {
  const pairs = equalizationPairs(g).filter((p) => g.initializers.has(p.first.inputs[1]) && g.initializers.has(p.second.inputs[1]) && (!p.first.inputs[2] || g.initializers.has(p.first.inputs[2])));
  let iterations = 0;
  while (pairs.length > 0 && iterations < maxIterations) {
    iterations++;
    let change = 0;
    for (const pair of pairs) change = Math.max(change, equalizePair(g, pair));
    if (change < tolerance) break;
  }
  return { pairs, iterations };
}
