/**
 * One streaming pass over the calibration data: a TensorProbe returns every tensor to quantize in one native call per
 * sample, observers update their ranges and bias-correction tap sums accumulate; nothing is kept per sample.
 */
import { CalibrationData, ProgressCallback, readCalibration } from '../calibration/calibration-data';
import { TensorProbe } from '../calibration/tensor-probe';
import type { EngineOptions, ValueDescription } from '../validate';
import type { Graph } from '../ir/graph';
import type { ActivationObserver } from './activation-observer';
import { TapSums } from './bias-correction';
import type { Range } from './quant-params';
import type { QuantizationPlan } from './quantization-plan';

export interface CalibrationResult {
  /** Chosen range per calibrated tensor. */
  ranges: Map<string, Range>;
  /** Tap sums per weighted node name (layers whose geometry bias correction supports). */
  taps: Map<string, TapSums>;
  samples: number;
}

export interface CalibrateRequest {
  graph: Graph;
  plan: QuantizationPlan;
  inputs: readonly ValueDescription[];
  engineOptions: EngineOptions;
  makeObserver: () => ActivationObserver;
  biasCorrection: boolean;
  onProgress?: ProgressCallback;
  total?: number;
  /** Name used in error messages for the data (default options.calibration). */
  dataName?: string;
}

/** Sample count when the data knows it (arrays and array-likes), else undefined. */
export function knownLength(data: CalibrationData): number | undefined {
  const n = (data as { length?: unknown }).length;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

export async function calibrate(data: CalibrationData, request: CalibrateRequest): Promise<CalibrationResult> {
  const { graph, plan } = request;
  const observers = new Map<string, ActivationObserver>();
  for (const [name, from] of plan.tensors) if (from === undefined) observers.set(name, request.makeObserver());
  const taps = new Map<string, TapSums>();
  if (request.biasCorrection) {
    for (const [name, layer] of plan.weighted) {
      const w = graph.initializers.get(layer.node.inputs[1]);
      const t = w && TapSums.of(layer, w.dims);
      if (t) taps.set(name, t);
    }
  }
  const names = new Set<string>(observers.keys());
  for (const t of taps.values()) names.add(t.layer.node.inputs[0]);
  const probe = new TensorProbe(graph, [...names], request.engineOptions);
  const total = request.total ?? knownLength(data);
  let done = 0;
  try {
    for await (const feeds of readCalibration(data, request.inputs, request.dataName)) {
      const values = await probe.run(feeds);
      for (const [name, observer] of observers) observer.observe(values[name].data as Float32Array);
      for (const t of taps.values()) {
        const x = values[t.layer.node.inputs[0]];
        t.add(x.data as Float32Array, x.dims);
      }
      done++;
      request.onProgress?.({ phase: 'calibrate', done, total });
    }
  } finally {
    probe.dispose();
  }
  const ranges = new Map<string, Range>();
  for (const [name, observer] of observers) ranges.set(name, observer.range());
  return { ranges, taps, samples: done };
}
