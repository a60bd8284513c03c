/**
 * Layer-wise reconstruction (SparseGPT): layers are pruned in waves in topological order; each wave's inputs are
 * gathered from the model with every earlier wave already pruned (and from the dense model, for the targets),
 * accumulated sample by sample into H = 2XᵀX/n, and each layer is pruned with OBS updates against its own H.
 */
import type { Feeds } from '../calibration/calibration-data';
import type { EngineOptions } from '../engine';
import type { Graph } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { visitLayerInputs } from './layer-inputs';
import { LayerBias, PrunableLayer, layerBias, layerK, readWeightMatrices, sparse24Groups, useCounts, writeWeightMatrices } from './prunable-layers';
import { ObsSettings, obsPrune } from './reconstruct-obs';
import { refitToDenseTargets } from './reconstruct-refit';
import { LayerStatistics } from './reconstruct-statistics';
import { GramEngines } from './gram-engine';

export type WeightPattern = { kind: '2:4' } | { kind: 'unstructured'; ratio: number };

/** Hessian bytes held at once; a wave needing more is split (layers of one wave are independent). */
const HESSIAN_BUDGET_BYTES = 256 * 1024 * 1024;

/**
 * Groups `layers` (in graph order) into waves: a layer joins the wave after the last wave that holds one of its
 * upstream layers, so its inputs are read from an already pruned upstream model.
 */
export function pruningWaves(graph: Graph, layers: readonly PrunableLayer[]): PrunableLayer[][] {
  const byNode = new Map(layers.map((l) => [l.node, l]));
  const depth = new Map<string, number>();
  const waves: PrunableLayer[][] = [];
  for (const node of graph.nodes) {
    let d = 0;
    for (const i of node.inputs) d = Math.max(d, depth.get(i) ?? 0);
    const layer = byNode.get(node);
    if (layer) {
      const wave = depth.get(layer.input) ?? 0;
      (waves[wave] ??= []).push(layer);
      d = Math.max(d, wave + 1);
    }
    for (const o of node.outputs) depth.set(o, d);
  }
  return waves.filter((w) => w && w.length > 0);
}

function splitByBudget(wave: PrunableLayer[]): PrunableLayer[][] {
  const chunks: PrunableLayer[][] = [];
  let bytes = 0;
  for (const layer of wave) {
    const need = layer.groups * layerK(layer) ** 2 * 8;
    if (chunks.length === 0 || bytes + need > HESSIAN_BUDGET_BYTES) {
      chunks.push([]);
      bytes = 0;
    }
    chunks[chunks.length - 1].push(layer);
    bytes += need;
  }
  return chunks;
}

/**
 * Prunes `layers` of `graph` in place (weight and bias initializers replaced, a zero bias added where a Conv or Gemm
 * had none) with OBS reconstruction on `samples`: each layer is first re-fitted so that on the pruned model's inputs
 * it reproduces the dense model's outputs, then pruned with OBS updates. `onLayer` is called after each layer.
 */
export async function reconstructPrune(
  graph: Graph,
  layers: readonly PrunableLayer[],
  pattern: WeightPattern,
  samples: readonly Feeds[],
  engineOptions: EngineOptions,
  settings: ObsSettings,
  onLayer: (layer: PrunableLayer) => void,
): Promise<void> {
  const dense = cloneGraph(graph);
  const gram = new GramEngines(256, engineOptions);
  try {
    for (const wave of pruningWaves(graph, layers)) {
      for (const chunk of splitByBudget(wave)) {
        const stats = chunk.map((l) => Array.from({ length: l.groups }, () => new LayerStatistics(layerK(l), gram)));
        visitLayerInputs([graph, dense], chunk, samples, engineOptions, (li, g, [pruned, original], count) => stats[li][g].add(pruned, original, count));
        const uses = useCounts(graph);
        chunk.forEach((layer, li) => {
          pruneLayer(graph, layer, stats[li], layerBias(graph, layer, uses), pattern, settings);
          stats[li] = [];
          onLayer(layer);
        });
      }
    }
  } finally {
    gram.dispose();
  }
}

/** Re-fits and OBS-prunes one layer (each group against its own statistics) and stores its weights and bias. */
function pruneLayer(graph: Graph, layer: PrunableLayer, stats: LayerStatistics[], bias: LayerBias | undefined, pattern: WeightPattern, settings: ObsSettings): void {
  const k = layerK(layer);
  const weights = graph.initializers.get(layer.weightName)!;
  const matrices = readWeightMatrices(layer, weights.data as Float32Array);
  const obsPattern = pattern.kind === '2:4' ? { kind: '2:4' as const, groups: sparse24Groups(layer) } : pattern;
  matrices.forEach((w, g) => {
    const { h, c } = stats[g].finish();
    // Work on [W a] against [X 1] when the bias can be re-fitted, else on W against X.
    const n = bias ? k + 1 : k;
    const hw = bias ? h : submatrix(h, k + 1, k);
    const cw = bias ? c : submatrix(c, k + 1, k);
    const wa = new Float64Array(layer.rows * n);
    for (let r = 0; r < layer.rows; r++) {
      wa.set(w.subarray(r * k, (r + 1) * k), r * n);
      if (bias) wa[r * n + k] = bias.values[g * layer.rows + r];
    }
    refitToDenseTargets(wa, layer.rows, n, hw, cw, settings.damping);
    obsPrune(wa, layer.rows, n, hw, obsPattern, settings, k);
    for (let r = 0; r < layer.rows; r++) {
      w.set(wa.subarray(r * n, r * n + k), r * k);
      if (bias) bias.values[g * layer.rows + r] = wa[r * n + k];
    }
  });
  graph.initializers.set(layer.weightName, { type: 'float32', dims: weights.dims.slice(), data: writeWeightMatrices(layer, matrices, weights.data.length) });
  bias?.write(bias.values);
}

/** The leading k x k block of an n x n matrix. */
function submatrix(a: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) out.set(a.subarray(i * n, i * n + k), i * k);
  return out;
}
