/**
 * Layer-wise reconstruction after channel removal (ThiNet's least-squares step): each named conv/gemm gets new
 * weights and bias fitted so that, fed by the pruned model, it reproduces the original model's output.
 */
import type { Feeds, ProgressCallback } from '../calibration/calibration-data';
import { TensorProbe } from '../calibration/tensor-probe';
import type { EngineOptions } from '../engine';
import type { Graph, Node } from '../ir/graph';
import { cloneGraph, consumerMap, producerMap, uniqueName } from '../ir/graph-utils';
import { dropUnreadInitializers } from '../passes/constant-folding';
import type { Tensor } from '../tensor';
import { ConvGeometry, SampleRandom, convGeometry, gatherPatch } from './conv-patches';
import { NormalEquations } from './least-squares';

export interface RefitOptions {
  samples: readonly Feeds[];
  engineOptions: EngineOptions;
  onProgress?: ProgressCallback;
  /** Rows (pixels x samples) per layer at most; pixels are subsampled per sample to stay under it. */
  maxRows?: number;
  /** Ridge term relative to the mean diagonal of XᵀX. */
  damping?: number;
}

interface Layer {
  name: string;
  /** Output value (same name in both graphs). */
  output: string;
  /** Output channels of the original layer that the pruned one still has. */
  kept: number[] | undefined;
  /**
   * For a layer feeding a residual Add: the Add's output and its other input. The layer is then fitted to
   * original(Add) − pruned(other input), so it also makes up for the error the pruned residual stream carries.
   */
  residual?: { sum: string; other: string };
}

/** Target outputs of the original model: value name → one tensor per sample. */
async function collectTargets(original: Graph, names: string[], options: RefitOptions): Promise<Map<string, Tensor[]>> {
  const probe = new TensorProbe(original, names, options.engineOptions);
  const out = new Map<string, Tensor[]>(names.map((n) => [n, []]));
  try {
    for (const feeds of options.samples) {
      const r = await probe.run(feeds);
      for (const n of names) out.get(n)!.push(r[n]);
    }
  } finally {
    probe.dispose();
  }
  return out;
}

/** Layers none of whose inputs (nor residual partner) depends on another pending layer. */
function readyLayers(g: Graph, pending: ReadonlySet<string>, layers: ReadonlyMap<string, Layer>): string[] {
  const producers = producerMap(g);
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const ready: string[] = [];
  for (const name of pending) {
    const seen = new Set<string>();
    const residual = layers.get(name)!.residual;
    const stack = [...byName.get(name)!.inputs, ...(residual ? [residual.other] : [])];
    let blocked = false;
    while (stack.length > 0 && !blocked) {
      const v = stack.pop()!;
      if (seen.has(v)) continue;
      seen.add(v);
      const p = producers.get(v);
      if (!p) continue;
      if (p.name !== name && pending.has(p.name)) blocked = true;
      else stack.push(...p.inputs);
    }
    if (!blocked) ready.push(name);
  }
  return ready;
}

/** Accumulates one layer's rows: its input patches (plus a 1 for the bias) against the original outputs. */
class LayerFit {
  private equations: NormalEquations | undefined;
  private geometry: ConvGeometry | undefined;
  private k = 0;
  private readonly random: SampleRandom;

  constructor(readonly node: Node, readonly layer: Layer, private readonly rowsPerItem: (n: number) => number, seed: number) {
    this.random = new SampleRandom(seed);
  }

  get withBias(): boolean {
    return this.node.opType !== 'MatMul';
  }

  /** `minus` (pruned channels only, same layout as the output) is subtracted from the kept targets. */
  add(x: Tensor, y: Tensor, weightDims: readonly number[], minus?: Tensor): void {
    const xData = x.data as Float32Array;
    const yData = y.data as Float32Array;
    const minusData = minus?.data as Float32Array | undefined;
    const batch = x.dims[0];
    const outChannels = y.dims[1];
    const kept = this.layer.kept ?? Array.from({ length: outChannels }, (_, i) => i);
    const m = kept.length;
    if (!this.equations) {
      if (this.node.opType === 'Conv') {
        this.geometry = convGeometry(this.node, x.dims, y.dims, weightDims);
        if (!this.geometry) throw new Error(`cannot reconstruct ${this.node.opType} node '${this.node.name}': only 1-D and 2-D convolutions are supported`);
        this.k = weightDims.slice(1).reduce((a, b) => a * b, 1);
      } else {
        this.k = x.dims[1];
      }
      this.equations = new NormalEquations(this.k + (this.withBias ? 1 : 0), m);
    }
    const eq = this.equations;
    const row = new Float64Array(eq.n);
    if (this.withBias) row[this.k] = 1;
    const target = new Float64Array(m);
    if (this.geometry) {
      const geo = this.geometry;
      const pixels = geo.outHeight * geo.outWidth;
      for (let b = 0; b < batch; b++) {
        for (const p of this.random.choose(pixels, this.rowsPerItem(eq.n))) {
          gatherPatch(xData, geo, b, Math.floor(p / geo.outWidth), p % geo.outWidth, row);
          for (let j = 0; j < m; j++) target[j] = yData[(b * outChannels + kept[j]) * pixels + p] - (minusData ? minusData[(b * m + j) * pixels + p] : 0);
          eq.add(row, target);
        }
      }
    } else {
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < this.k; i++) row[i] = xData[b * this.k + i];
        for (let j = 0; j < m; j++) target[j] = yData[b * outChannels + kept[j]] - (minusData ? minusData[b * m + j] : 0);
        eq.add(row, target);
      }
    }
  }

  /** Writes the fitted weights and bias into `g`. */
  write(g: Graph, damping: number): void {
    const eq = this.equations;
    if (!eq) return;
    const solution = eq.solve(damping);
    const node = this.node;
    const m = eq.m;
    const k = this.k;
    const w = g.initializers.get(node.inputs[1])!;
    const weights = new Float32Array(k * m);
    const transposed = node.opType === 'Conv' || (node.opType === 'Gemm' && node.attrs.transB?.kind === 'int' && node.attrs.transB.value !== 0);
    // solution = (k [+1]) x m: column o holds output o's weights, the last row its bias.
    for (let i = 0; i < k; i++) {
      for (let o = 0; o < m; o++) weights[transposed ? o * k + i : i * m + o] = solution[i * m + o];
    }
    const wName = uniqueName(g, `${node.inputs[1]}_refit`);
    g.initializers.set(wName, { type: 'float32', dims: w.dims.slice(), data: weights });
    node.inputs[1] = wName;
    if (this.withBias) {
      const bias = Float32Array.from(solution.subarray(k * m, (k + 1) * m));
      const bName = uniqueName(g, `${node.name}_refit_bias`);
      g.initializers.set(bName, { type: 'float32', dims: [m], data: bias });
      while (node.inputs.length < 3) node.inputs.push('');
      node.inputs[2] = bName;
      if (node.opType === 'Gemm') node.attrs = { ...node.attrs, alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 } };
    }
  }
}

/**
 * Marks layers whose only consumer is a residual Add of two same-shaped computed values. When both Add inputs come
 * from layers being fitted, only the later one (in graph order) takes the residual target, so neither waits on the other.
 */
function findResidualTargets(g: Graph, layers: Map<string, Layer>): void {
  const consumers = consumerMap(g);
  const producers = producerMap(g);
  const order = new Map(g.nodes.map((n, i) => [n.name, i]));
  for (const layer of layers.values()) {
    const readers = consumers.get(layer.output) ?? [];
    if (readers.length !== 1 || g.outputs.some((o) => o.name === layer.output)) continue;
    const add = readers[0];
    if (add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2 || add.inputs[0] === add.inputs[1]) continue;
    const other = add.inputs[0] === layer.output ? add.inputs[1] : add.inputs[0];
    if (g.initializers.has(other)) continue;
    const partner = producers.get(other);
    if (partner && layers.has(partner.name) && order.get(partner.name)! > order.get(layer.name)!) continue;
    layer.residual = { sum: add.outputs[0], other };
  }
}

/**
 * Returns a copy of `pruned` in which every layer of `names` (Conv with group 1, Gemm, MatMul with constant weights)
 * is re-fitted, in topological rounds, to the original model's output of the same node.
 * @param kept node name → original output channels the pruned node still has (absent: all).
 */
export async function refitLayers(original: Graph, pruned: Graph, names: readonly string[], kept: ReadonlyMap<string, number[]>, options: RefitOptions): Promise<Graph> {
  const g = cloneGraph(pruned);
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const layers = new Map<string, Layer>();
  for (const name of names) {
    const node = byName.get(name);
    if (!node) throw new Error(`no node '${name}' to reconstruct`);
    layers.set(name, { name, output: node.outputs[0], kept: kept.get(name) });
  }
  findResidualTargets(g, layers);
  const targets = await collectTargets(original, [...new Set([...layers.values()].map((l) => l.residual?.sum ?? l.output))], options);
  const items = options.samples.reduce((n, s) => n + (Object.values(s)[0]?.dims[0] ?? 1), 0);
  const maxRows = options.maxRows ?? 16384;
  const rowsPerItem = (n: number) => Math.max(1, Math.ceil(Math.max(maxRows, 4 * n) / items));
  const pending = new Set(layers.keys());
  let done = 0;
  options.onProgress?.({ phase: 'reconstruct', done, total: layers.size });
  while (pending.size > 0) {
    const ready = readyLayers(g, pending, layers);
    if (ready.length === 0) throw new Error('reconstruction found no layer whose inputs are settled');
    const fits = ready.map((name, i) => new LayerFit(byName.get(name)!, layers.get(name)!, rowsPerItem, 0x5eed + done + i));
    const inputs = [...new Set(fits.flatMap((f) => [f.node.inputs[0], ...(f.layer.residual ? [f.layer.residual.other] : [])]))];
    const probe = new TensorProbe(g, inputs, options.engineOptions);
    try {
      for (let s = 0; s < options.samples.length; s++) {
        const r = await probe.run(options.samples[s]);
        for (const fit of fits) {
          const w = g.initializers.get(fit.node.inputs[1])!;
          const residual = fit.layer.residual;
          fit.add(r[fit.node.inputs[0]], targets.get(residual?.sum ?? fit.layer.output)![s], w.dims, residual ? r[residual.other] : undefined);
        }
      }
    } finally {
      probe.dispose();
    }
    for (const fit of fits) {
      fit.write(g, options.damping ?? 1e-4);
      pending.delete(fit.layer.name);
      options.onProgress?.({ phase: 'reconstruct', done: ++done, total: layers.size });
    }
  }
  dropUnreadInitializers(g);
  return g;
}
