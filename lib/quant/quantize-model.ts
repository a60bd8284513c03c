/**
 * Graph-level post-training quantization: calibrate the folded graph once, then build QDQ graphs from the ranges for
 * any choice of layers kept in fp32 (the default model, mixed precision, one-layer-at-a-time sensitivity).
 */
import type { CalibrationData, ProgressCallback } from '../calibration/calibration-data';
import type { Graph } from '../ir/graph';
import { floatData } from '../passes/fusion-context';
import type { EngineOptions, ValueDescription } from '../validate';
import { CalibrationResult, calibrate } from './calibrate';
import { CalibrationMethod, ObserverSettings, createObserver } from './calibration-methods';
import { LayerQuantization, insertQdq } from './qdq-insertion';
import { ActivationParams, activationParams } from './quant-params';
import { QuantizationPlan, parameterSource, planQuantization } from './quantization-plan';
import { prepareGraph } from './prepare-graph';
import { equalizeGraph } from './cross-layer-equalization';
import { WeightGranularity, quantizeLayerWeights } from './weight-granularity';

export interface CalibrationSettings extends ObserverSettings {
  method: CalibrationMethod;
  exclude: readonly string[];
  biasCorrection: boolean;
  /** Cross-layer equalization of the folded graph before calibration (exact in fp32). */
  equalize?: boolean;
  onProgress?: ProgressCallback;
  /** Sample count for progress events when `data` cannot tell (e.g. it is a generator over an array). */
  total?: number;
}

/** A calibrated model: everything needed to emit QDQ graphs without touching the data again. */
export interface CalibratedModel {
  /** The folded graph of standard ops that every QDQ graph is built from. */
  graph: Graph;
  /** The plan calibration covered (user exclusions applied). */
  plan: QuantizationPlan;
  calibration: CalibrationResult;
  exclude: ReadonlySet<string>;
}

export async function calibrateModel(source: Graph, inputs: readonly ValueDescription[], engineOptions: EngineOptions, data: CalibrationData, settings: CalibrationSettings): Promise<CalibratedModel> {
  const graph = prepareGraph(source);
  if (settings.equalize) equalizeGraph(graph);
  const exclude = new Set(settings.exclude);
  const plan = planQuantization(graph, exclude);
  const calibration = await calibrate(data, {
    graph,
    plan,
    inputs,
    engineOptions,
    makeObserver: () => createObserver(settings.method, settings),
    biasCorrection: settings.biasCorrection,
    onProgress: settings.onProgress,
    total: settings.total,
  });
  return { graph, plan, calibration, exclude };
}

export interface QdqSettings {
  perChannel: WeightGranularity;
  biasCorrection: boolean;
  /** Extra nodes kept fp32 (mixed precision). */
  keepFloat?: ReadonlySet<string>;
  /** Quantize only these nodes (sensitivity). */
  only?: ReadonlySet<string>;
}

/** The QDQ graph of a calibrated model for one choice of fp32 layers. */
export function buildQdqGraph(model: CalibratedModel, settings: QdqSettings): Graph {
  const excluded = new Set([...model.exclude, ...(settings.keepFloat ?? [])]);
  const plan = planQuantization(model.graph, excluded, settings.only);
  const params = new Map<string, ActivationParams>();
  for (const name of [...plan.tensors.keys()]) {
    const range = model.calibration.ranges.get(parameterSource(model.plan, parameterSource(plan, name)));
    if (range) params.set(name, activationParams(range));
    else plan.tensors.delete(name);
  }
  const layers = new Map<string, LayerQuantization>();
  for (const [name, layer] of plan.weighted) {
    const w = model.graph.initializers.get(layer.node.inputs[1])!;
    const wData = floatData(w)!;
    const { weights, perChannel } = quantizeLayerWeights(wData, w.dims, layer.axis, settings.perChannel);
    const biasName = layer.node.inputs[2] ?? '';
    const biasTensor = biasName ? model.graph.initializers.get(biasName) : undefined;
    let bias = biasTensor ? floatData(biasTensor) : undefined;
    const taps = settings.biasCorrection ? model.calibration.taps.get(name) : undefined;
    if (taps) {
      const delta = new Float32Array(wData.length);
      for (let i = 0; i < delta.length; i++) delta[i] = weights.dequantized[i] - wData[i];
      const shift = taps.meanShift(delta, w.dims);
      // MatMul has no bias input: its correction would need an extra Add, so it is skipped.
      if (bias || layer.node.opType !== 'MatMul') {
        bias = bias ?? new Float32Array(layer.channels);
        for (let m = 0; m < layer.channels; m++) bias[m] -= shift[m];
      }
    }
    layers.set(name, { weights, perChannel, bias });
  }
  return insertQdq(model.graph, plan, params, layers);
}
