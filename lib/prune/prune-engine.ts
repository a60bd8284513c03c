/**
 * engine.prune: validates the options, folds BN and constants into a standard ONNX graph, then prunes weights (2:4 or
 * unstructured, by magnitude or with SparseGPT reconstruction) or hands { channels } / { blocks } to the structured
 * pruners; the result is a new Engine for the pruned standard graph.
 */
import { Engine } from '../engine';
import { expected } from '../errors';
import { CalibrationData, Feeds, ProgressCallback, checkCalibrationData, checkProgressCallback, collectCalibration } from '../calibration/calibration-data';
import type { Graph } from '../ir/graph';
import { optimizeGraph } from '../passes/pipeline';
import { pruneBlocks } from './block-pruning';
import { pruneChannels } from './channel-pruning';
import { magnitudeThreshold, pruneBelowThreshold, pruneLayerByMagnitude } from './magnitude-prune';
import { PrunableLayer, describeLayer, layerK, readWeightMatrices, sparse24Groups, useCounts, writeWeightMatrices } from './prunable-layers';
import { WeightPattern, reconstructPrune } from './reconstruct-prune';
import { applySparse24Magnitude } from './sparse24-mask';
import type { StructuredPruneContext } from './structured-types';

export type PrunePattern = '2:4' | { unstructured: number } | { channels: number } | { blocks: number };

export interface PruneOptions {
  /**
   * '2:4': in every group of 4 consecutive input channels (at one kernel tap) of each output channel, 2 weights are
   * zeroed — the pattern the 2:4 kernels run; { unstructured: r }: a share r in (0, 1) of each layer's weights is
   * zeroed; { channels: r }: a share r of output channels is removed (a smaller dense model); { blocks: n }: n residual
   * blocks are replaced by their shortcut.
   */
  pattern: PrunePattern;
  /**
   * 'magnitude' needs no data; 'reconstruct' re-fits the remaining weights on `calibration` (SparseGPT for 2:4 and
   * unstructured, least squares for channels). Default: 'reconstruct' when `calibration` is given, else 'magnitude'.
   */
  method?: 'magnitude' | 'reconstruct';
  /** Channel ranking for { channels }: L1 norm (default) or ThiNet's greedy choice. */
  ranking?: 'l1' | 'thinet';
  /** Representative inputs; required for 'reconstruct' and { blocks }. A few hundred samples are plenty. */
  calibration?: CalibrationData;
  /** Node names to leave untouched. */
  exclude?: string[];
  /**
   * 2:4 / unstructured: leave the first layers (no Conv/Gemm/MatMul upstream) and the last ones (none downstream)
   * dense — the stem conv and the classifier, small and the most sensitive. Default true.
   */
  denseEnds?: boolean;
  /** Unstructured magnitude pruning: the same share of every layer ('layer', default) or one threshold for all ('global'). */
  threshold?: 'layer' | 'global';
  /** Reconstruction damping λ of H + λ·mean(diag H)·I (default 0.01). */
  damping?: number;
  /**
   * { channels }: also prune residual streams (channels summed by residual Adds, one shared mask per stream).
   * Default false: streams stay whole, as ThiNet does for ResNets.
   */
  pruneResidualStreams?: boolean;
  /**
   * { channels }: every layer at least 2 × channelAlign channels wide keeps a multiple of channelAlign channels
   * (narrower ones a multiple of 4). Default 4. 16 keeps whole AVX-512 fp32 vectors (8 for AVX2 and NEON): a
   * layer's output channels are computed 16 at a time, so 40 kept channels cost what 48 do and 32 clearly less.
   */
  channelAlign?: number;
  /** Progress as { phase: 'prune', done: layers pruned, total: layers to prune }. */
  onProgress?: ProgressCallback;
}

/** A layer weight pruning leaves dense, and why. */
export interface DenseLayer {
  name: string;
  reason: string;
}

/** Which Conv/Gemm/MatMul layers a weight-pruning run prunes, and the ones it leaves dense with the reason. */
export interface WeightPruningPlan {
  layers: PrunableLayer[];
  dense: DenseLayer[];
}

interface CheckedOptions {
  pattern: WeightPattern | { kind: 'channels'; ratio: number } | { kind: 'blocks'; count: number };
  method: 'magnitude' | 'reconstruct';
  ranking: 'l1' | 'thinet';
  calibration?: CalibrationData;
  exclude: Set<string>;
  denseEnds: boolean;
  threshold: 'layer' | 'global';
  damping: number;
  pruneResidualStreams: boolean;
  channelAlign: number;
  onProgress?: ProgressCallback;
}

const PATTERNS = "'2:4', { unstructured: ratio }, { channels: ratio } or { blocks: count }";

function checkRatio(value: unknown, name: string): number {
  if (typeof value !== 'number') throw new TypeError(expected('a number in (0, 1)', name, value));
  if (!(value > 0 && value < 1)) throw new RangeError(expected('a number in (0, 1)', name, value));
  return value;
}

function checkPattern(pattern: unknown): CheckedOptions['pattern'] {
  if (pattern === '2:4') return { kind: '2:4' };
  if (typeof pattern === 'string') throw new RangeError(expected(PATTERNS, 'options.pattern', pattern));
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) throw new TypeError(expected(PATTERNS, 'options.pattern', pattern));
  const keys = Object.keys(pattern);
  if (keys.length !== 1) throw new RangeError(`Expected one of ${PATTERNS} for options.pattern but received an object with keys [${keys.join(', ')}]`);
  const value = (pattern as Record<string, unknown>)[keys[0]];
  switch (keys[0]) {
    case 'unstructured':
      return { kind: 'unstructured', ratio: checkRatio(value, 'options.pattern.unstructured') };
    case 'channels':
      return { kind: 'channels', ratio: checkRatio(value, 'options.pattern.channels') };
    case 'blocks':
      if (typeof value !== 'number') throw new TypeError(expected('a positive integer', 'options.pattern.blocks', value));
      if (!Number.isInteger(value) || value < 1) throw new RangeError(expected('a positive integer', 'options.pattern.blocks', value));
      return { kind: 'blocks', count: value };
    default:
      throw new RangeError(`Expected one of ${PATTERNS} for options.pattern but received an object with key "${keys[0]}"`);
  }
}

function checkChoice<T extends string>(value: unknown, choices: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  const what = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  if (typeof value !== 'string') throw new TypeError(expected(what, name, value));
  if (!choices.includes(value as T)) throw new RangeError(expected(what, name, value));
  return value as T;
}

/**
 * Checks every option against the model (`graph` names the nodes `exclude` may list).
 * @throws TypeError / RangeError in the house style.
 */
export function checkPruneOptions(options: unknown, graph: Graph): CheckedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new TypeError(expected('an options object', 'options', options));
  const o = options as Record<string, unknown>;
  const pattern = checkPattern(o.pattern);
  const calibration = o.calibration === undefined ? undefined : checkCalibrationData(o.calibration);
  const method = checkChoice(o.method, ['magnitude', 'reconstruct'] as const, 'options.method', calibration ? 'reconstruct' : 'magnitude');
  const ranking = checkChoice(o.ranking, ['l1', 'thinet'] as const, 'options.ranking', 'l1');
  const threshold = checkChoice(o.threshold, ['layer', 'global'] as const, 'options.threshold', 'layer');
  if (!calibration && (method === 'reconstruct' || pattern.kind === 'blocks')) {
    const why = pattern.kind === 'blocks' ? 'pattern { blocks }' : "method 'reconstruct'";
    throw new TypeError(expected(`calibration data (an Iterable or AsyncIterable of feeds) with ${why}`, 'options.calibration', o.calibration));
  }
  const exclude = new Set<string>();
  if (o.exclude !== undefined) {
    if (!Array.isArray(o.exclude)) throw new TypeError(expected('an array of node names', 'options.exclude', o.exclude));
    const names = new Set(graph.nodes.map((n) => n.name));
    o.exclude.forEach((name: unknown, i: number) => {
      if (typeof name !== 'string') throw new TypeError(expected('a node name', `options.exclude[${i}]`, name));
      if (!names.has(name)) throw new RangeError(expected('the name of a node of the model', `options.exclude[${i}]`, name));
      exclude.add(name);
    });
  }
  if (o.denseEnds !== undefined && typeof o.denseEnds !== 'boolean') throw new TypeError(expected('a boolean', 'options.denseEnds', o.denseEnds));
  if (o.pruneResidualStreams !== undefined && typeof o.pruneResidualStreams !== 'boolean') {
    throw new TypeError(expected('a boolean', 'options.pruneResidualStreams', o.pruneResidualStreams));
  }
  let channelAlign = 4;
  if (o.channelAlign !== undefined) {
    if (typeof o.channelAlign !== 'number') throw new TypeError(expected('an integer from 1 to 256', 'options.channelAlign', o.channelAlign));
    if (!(Number.isInteger(o.channelAlign) && o.channelAlign >= 1 && o.channelAlign <= 256)) {
      throw new RangeError(expected('an integer from 1 to 256', 'options.channelAlign', o.channelAlign));
    }
    channelAlign = o.channelAlign;
  }
  let damping = 0.01;
  if (o.damping !== undefined) {
    if (typeof o.damping !== 'number') throw new TypeError(expected('a finite number >= 0', 'options.damping', o.damping));
    if (!(o.damping >= 0 && Number.isFinite(o.damping))) throw new RangeError(expected('a finite number >= 0', 'options.damping', o.damping));
    damping = o.damping;
  }
  return {
    pattern,
    method,
    ranking,
    calibration,
    exclude,
    denseEnds: o.denseEnds !== false,
    threshold,
    damping,
    pruneResidualStreams: o.pruneResidualStreams === true,
    channelAlign,
    onProgress: checkProgressCallback(o.onProgress),
  };
}

/** The graph pruning starts from: `source` (standard ONNX ops) with constants, BatchNorm and per-channel affine ops folded into the convs. */
export function foldForPruning(source: Graph): Graph {
  return optimizeGraph(source, { fuse: false });
}

/** Layers with no Conv/Gemm/MatMul layer upstream (first) or downstream (last). */
function endLayers(graph: Graph, layers: ReadonlySet<string>): Set<string> {
  const ends = new Set<string>();
  const afterLayer = new Set<string>();
  for (const node of graph.nodes) {
    const isLayer = layers.has(node.name);
    const upstream = node.inputs.some((i) => afterLayer.has(i));
    if (isLayer && !upstream) ends.add(node.name);
    if (isLayer || upstream) for (const o of node.outputs) afterLayer.add(o);
  }
  const beforeLayer = new Set<string>();
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    const isLayer = layers.has(node.name);
    const downstream = node.outputs.some((o) => beforeLayer.has(o));
    if (isLayer && !downstream) ends.add(node.name);
    if (isLayer || downstream) for (const v of node.inputs) beforeLayer.add(v);
  }
  return ends;
}

/** Chooses the layers 2:4 / unstructured pruning touches in `graph` (BN already folded). */
export function planWeightPruning(graph: Graph, options: { exclude?: Iterable<string>; denseEnds?: boolean } = {}): WeightPruningPlan {
  const exclude = new Set(options.exclude ?? []);
  const uses = useCounts(graph);
  const described = graph.nodes.map((n) => describeLayer(graph, n, uses));
  const candidates = new Set(graph.nodes.filter((_, i) => typeof described[i] === 'object').map((n) => n.name));
  const ends = options.denseEnds === false ? new Set<string>() : endLayers(graph, candidates);
  const plan: WeightPruningPlan = { layers: [], dense: [] };
  graph.nodes.forEach((node, i) => {
    const layer = described[i];
    if (layer === undefined) return;
    let reason: string | undefined;
    if (typeof layer === 'string') reason = layer;
    else if (exclude.has(node.name)) reason = 'excluded by options.exclude';
    else if (ends.has(node.name)) reason = 'first or last layer (options.denseEnds)';
    else if (layer.channels < 4) reason = `${layer.channels} input channel(s) per group, fewer than a 2:4 group`;
    if (reason) plan.dense.push({ name: node.name, reason });
    else plan.layers.push(layer as PrunableLayer);
  });
  return plan;
}

function setWeights(graph: Graph, layer: PrunableLayer, matrices: Float64Array[]): void {
  const weights = graph.initializers.get(layer.weightName)!;
  graph.initializers.set(layer.weightName, { type: 'float32', dims: weights.dims.slice(), data: writeWeightMatrices(layer, matrices, weights.data.length) });
}

function magnitudePrune(graph: Graph, layers: readonly PrunableLayer[], pattern: WeightPattern, threshold: 'layer' | 'global', progress: (done: number) => void): void {
  const all = layers.map((l) => readWeightMatrices(l, graph.initializers.get(l.weightName)!.data as Float32Array));
  const globalThreshold = pattern.kind === 'unstructured' && threshold === 'global' ? magnitudeThreshold(all.flat(), pattern.ratio) : undefined;
  layers.forEach((layer, i) => {
    const matrices = all[i];
    if (pattern.kind === '2:4') {
      const groups = sparse24Groups(layer);
      for (const w of matrices) applySparse24Magnitude(w, layer.rows, layerK(layer), groups);
    } else if (globalThreshold !== undefined) {
      pruneBelowThreshold(matrices, globalThreshold);
    } else {
      pruneLayerByMagnitude(matrices, pattern.ratio);
    }
    setWeights(graph, layer, matrices);
    progress(i + 1);
  });
}

/**
 * engine.prune: a new Engine with pruned weights (or a smaller graph for { channels } / { blocks }); `engine` is untouched.
 * @throws (rejects) TypeError / RangeError for bad options or calibration data.
 */
export async function pruneEngine(engine: Engine, options: PruneOptions): Promise<Engine> {
  const source = engine.sourceGraph();
  const o = checkPruneOptions(options, source);
  const graph = foldForPruning(source);
  const samples: Feeds[] = o.calibration && (o.method === 'reconstruct' || o.pattern.kind === 'channels' || o.pattern.kind === 'blocks') ? await collectCalibration(o.calibration, engine.inputs) : [];
  let result: Graph;
  if (o.pattern.kind === 'channels' || o.pattern.kind === 'blocks') {
    const ctx: StructuredPruneContext = {
      method: o.method,
      ranking: o.ranking,
      samples,
      exclude: o.exclude,
      engineOptions: engine.engineOptions(),
      pruneResidualStreams: o.pruneResidualStreams,
      channelAlign: o.channelAlign,
    };
    if (o.onProgress) ctx.onProgress = o.onProgress;
    result = o.pattern.kind === 'channels' ? await pruneChannels(graph, o.pattern.ratio, ctx) : await pruneBlocks(graph, o.pattern.count, ctx);
  } else {
    const plan = planWeightPruning(graph, { exclude: o.exclude, denseEnds: o.denseEnds });
    const total = plan.layers.length;
    const progress = (done: number) => o.onProgress?.({ phase: 'prune', done, total });
    progress(0);
    if (o.method === 'magnitude') {
      magnitudePrune(graph, plan.layers, o.pattern, o.threshold, progress);
    } else {
      let done = 0;
      await reconstructPrune(graph, plan.layers, o.pattern, samples, engine.engineOptions(), { damping: o.damping, blockSize: 128 }, () => progress(++done));
    }
    result = graph;
  }
  return Engine.fromGraph(result, engine.engineOptions());
}
