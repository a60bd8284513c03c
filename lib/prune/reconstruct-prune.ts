/**
 * Layer-wise reconstruction (SparseGPT): layers are pruned in waves in topological order; each wave's inputs are
 * gathered from the model with every earlier wave already pruned, accumulated sample by sample into H = 2XᵀX/n, and
 * each layer is pruned with OBS updates against its own H.
 */
import type { Feeds } from '../calibration/calibration-data';
import type { EngineOptions } from '../engine';
import type { Graph } from '../ir/graph';
import { accumulateGramUpper, symmetrizeUpper } from '../linalg/gram';
import { visitLayerInputs } from './layer-inputs';
import { PrunableLayer, layerK, readWeightMatrices, sparse24Groups, writeWeightMatrices } from './prunable-layers';
import { ObsSettings, obsPrune } from './reconstruct-obs';

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
 * Prunes `layers` of `graph` in place (their weight initializers are replaced) with OBS reconstruction on `samples`.
 * `onLayer` is called after each layer.
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
  for (const wave of pruningWaves(graph, layers)) {
    for (const chunk of splitByBudget(wave)) {
      const hessians = chunk.map((l) => Array.from({ length: l.groups }, () => new Float64Array(layerK(l) ** 2)));
      const counts = chunk.map(() => 0);
      await visitLayerInputs(graph, chunk, samples, engineOptions, (li, g, rows, count) => {
        accumulateGramUpper(hessians[li][g], layerK(chunk[li]), rows, count);
        if (g === 0) counts[li] += count;
      });
      chunk.forEach((layer, li) => {
        const k = layerK(layer);
        const weights = graph.initializers.get(layer.weightName)!;
        const matrices = readWeightMatrices(layer, weights.data as Float32Array);
        const obsPattern = pattern.kind === '2:4' ? { kind: '2:4' as const, groups: sparse24Groups(layer) } : pattern;
        matrices.forEach((w, g) => {
          const h = hessians[li][g];
          symmetrizeUpper(h, k);
          const scale = 2 / Math.max(1, counts[li]);
          for (let i = 0; i < h.length; i++) h[i] *= scale;
          obsPrune(w, layer.rows, k, h, obsPattern, settings);
        });
        graph.initializers.set(layer.weightName, { type: 'float32', dims: weights.dims.slice(), data: writeWeightMatrices(layer, matrices, weights.data.length) });
        hessians[li] = [];
        onLayer(layer);
      });
    }
  }
}
