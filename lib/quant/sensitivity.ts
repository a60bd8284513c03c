/** engine.sensitivity: quantizes one layer at a time and measures how much the model outputs move (SQNR) and, with `evaluate`, the metric drop. */
import { Engine } from '../engine';
import { expected } from '../errors';
import { CalibrationData, Feeds, ProgressCallback, checkCalibrationData, checkProgressCallback } from '../calibration/calibration-data';
import type { Graph } from '../ir/graph';
import type { Tensor } from '../tensor';
import { knownLength } from './calibrate';
import { CALIBRATION_METHODS, CalibrationMethod } from './calibration-methods';
import { CalibratedModel, buildQdqGraph, calibrateModel } from './quantize-model';
import { DEFAULT_METHOD, EvaluateFunction, checkEvaluate, checkGranularity } from './quantize-options';
import type { WeightGranularity } from './weight-granularity';
import { quantizedLayers } from './quantization-plan';

export interface SensitivityOptions {
  evaluate?: (engine: Engine) => Promise<number> | number;
  onProgress?: ProgressCallback;
  /** Calibration method for the activation ranges (default as engine.quantize). */
  method?: CalibrationMethod;
  /** Weight granularity as in engine.quantize (default 'auto'). */
  perChannel?: boolean | 'auto';
}

/** One layer quantized alone: its output error and, with `evaluate`, the metric drop. */
export interface LayerSensitivity {
  node: string;
  opType: string;
  /** Signal-to-quantization-noise ratio of the model outputs in dB (higher = less sensitive). */
  sqnr: number;
  drop?: number;
}

/** Σ reference² / Σ (reference - actual)² in dB over all outputs of all samples, accumulated sample by sample. */
export class SqnrMeter {
  private signal = 0;
  private noise = 0;

  add(reference: Record<string, Tensor>, actual: Record<string, Tensor>): void {
    for (const [name, r] of Object.entries(reference)) {
      const a = actual[name];
      if (r.type !== 'float32' || !a) continue;
      const rd = r.data as Float32Array;
      const ad = a.data as Float32Array;
      for (let i = 0; i < rd.length; i++) {
        this.signal += rd[i] * rd[i];
        const d = rd[i] - ad[i];
        this.noise += d * d;
      }
    }
  }

  get db(): number {
    if (this.noise === 0) return Infinity;
    return 10 * Math.log10(this.signal / this.noise);
  }
}

/** SQNR (dB) of `engine`'s outputs against reference outputs over `samples`. */
export async function outputSqnr(engine: Engine, samples: readonly Feeds[], reference: readonly Record<string, Tensor>[]): Promise<number> {
  const meter = new SqnrMeter();
  for (let i = 0; i < samples.length; i++) meter.add(reference[i], await engine.run(samples[i]));
  return meter.db;
}

/** Reference outputs of the fp32 engine for every sample. */
export async function referenceOutputs(engine: Engine, samples: readonly Feeds[]): Promise<Record<string, Tensor>[]> {
  const out: Record<string, Tensor>[] = [];
  for (const s of samples) out.push(await engine.run(s));
  return out;
}

export interface LayerSweepRequest {
  engine: Engine;
  model: CalibratedModel;
  samples: readonly Feeds[];
  perChannel: WeightGranularity;
  biasCorrection: boolean;
  evaluate?: EvaluateFunction;
  baseline?: number;
  onProgress?: ProgressCallback;
}

/** Sensitivity of every quantizable layer of a calibrated model, most sensitive (lowest SQNR) first. */
export async function sweepLayers(request: LayerSweepRequest): Promise<LayerSensitivity[]> {
  const { engine, model, samples } = request;
  const reference = await referenceOutputs(engine, samples);
  const layers = quantizedLayers(model.plan);
  const byName = new Map(model.graph.nodes.map((n) => [n.name, n]));
  const out: LayerSensitivity[] = [];
  const baseline = request.evaluate && request.baseline === undefined ? await request.evaluate(engine) : request.baseline;
  for (const name of layers) {
    const graph: Graph = buildQdqGraph(model, { perChannel: request.perChannel, biasCorrection: request.biasCorrection, only: new Set([name]) });
    const single = Engine.fromGraph(graph, engine.engineOptions());
    try {
      const entry: LayerSensitivity = { node: name, opType: byName.get(name)?.opType ?? '', sqnr: await outputSqnr(single, samples, reference) };
      if (request.evaluate && baseline !== undefined) entry.drop = baseline - (await request.evaluate(single));
      out.push(entry);
    } finally {
      single.dispose();
    }
    request.onProgress?.({ phase: 'sensitivity', done: out.length, total: layers.length });
  }
  return out.sort((a, b) => a.sqnr - b.sqnr);
}

/**
 * @throws (rejects) TypeError / RangeError for bad options or calibration data.
 */
export async function analyzeSensitivity(engine: Engine, calibration: CalibrationData, options?: SensitivityOptions): Promise<LayerSensitivity[]> {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(expected('an options object', 'options', options));
  }
  const o = (options ?? {}) as Record<string, unknown>;
  checkCalibrationData(calibration, 'calibration');
  const evaluate = checkEvaluate(o);
  const onProgress = checkProgressCallback(o.onProgress);
  const method = o.method ?? DEFAULT_METHOD;
  if (!(CALIBRATION_METHODS as readonly unknown[]).includes(method)) throw new RangeError(expected(`one of ${CALIBRATION_METHODS.join(', ')}`, 'options.method', method));
  const perChannel = checkGranularity(o);
  const samples: Feeds[] = [];
  const model = await calibrateModel(engine.sourceGraph(), engine.inputs, engine.engineOptions(), recording(calibration, samples), {
    method: method as CalibrationMethod,
    exclude: [],
    biasCorrection: true,
    onProgress,
    total: knownLength(calibration),
  });
  return sweepLayers({ engine, model, samples, perChannel, biasCorrection: true, evaluate, onProgress });
}

/** Passes the data through while keeping each (checked) sample, so it can be run again after calibration. */
export async function* recording(data: CalibrationData, into: Feeds[]): AsyncGenerator<Feeds> {
  for await (const s of data as AsyncIterable<Feeds>) {
    into.push(s);
    yield s;
  }
}
