/**
 * The training samples of distillation: per sample row, the values feeding the student's trainable tail (one probed
 * native run per feeds) and the teacher's soft targets.
 */
import { TensorProbe } from '../calibration/tensor-probe';
import { CalibrationData, ProgressCallback, readCalibration } from '../calibration/calibration-data';
import type { Engine } from '../engine';
import { UnsupportedError } from '../errors';
import type { Tensor } from '../tensor';
import type { Labels } from './distill-options';
import { softmax } from './kd-loss';
import type { Activation } from './tail-op';

export interface DistillSample {
  /** Frontier value name → this row's data (float32 to halve memory; dims with batch 1). */
  features: Map<string, { dims: number[]; data: Float32Array }>;
  /** softmax(teacher logits / T). */
  teacherSoft: Float64Array;
  /** argmax of the teacher's logits. */
  teacherClass: number;
  label?: number;
}

export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** The float64 view of a sample's frontier values the tail runs on. */
export function featuresOf(sample: DistillSample): Map<string, Activation> {
  const out = new Map<string, Activation>();
  for (const [name, t] of sample.features) out.set(name, { dims: t.dims, data: Float64Array.from(t.data) });
  return out;
}

/** Row `row` of a [rows, ...] float tensor. */
function rowOf(t: Tensor, rows: number, row: number, name: string): { dims: number[]; data: Float32Array } {
  if (t.type !== 'float32' || t.dims[0] !== rows) {
    throw new UnsupportedError(`Expected a float32 value with the batch (${rows}) as first dimension for "${name}" but received ${t.type} [${t.dims.join(', ')}]`);
  }
  const size = (t.data as Float32Array).length / rows;
  return { dims: [1, ...t.dims.slice(1)], data: (t.data as Float32Array).slice(row * size, (row + 1) * size) };
}

export interface SampleSource {
  student: Engine;
  teacher: Engine;
  frontier: readonly string[];
  temperature: number;
  onProgress?: ProgressCallback;
}

/**
 * Reads `data` once: runs the student with the frontier probed and the teacher on each feeds.
 * @throws the errors of readCalibration for bad feeds; RangeError when `labels` does not have one entry per row.
 */
export async function collectSamples(source: SampleSource, data: CalibrationData, labels: Labels | undefined, name: string): Promise<DistillSample[]> {
  const { student, teacher, frontier, temperature } = source;
  const probe = new TensorProbe(student.sourceGraph(), frontier, student.engineOptions());
  const samples: DistillSample[] = [];
  const teacherOutput = teacher.outputs[0].name;
  try {
    for await (const feeds of readCalibration(data, student.inputs, name)) {
      const probed = await probe.run(feeds);
      const logits = (await teacher.run(feeds))[teacherOutput];
      const rows = feeds[student.inputs[0].name].dims[0] ?? 1;
      const classes = logits.data.length / rows;
      for (let r = 0; r < rows; r++) {
        const features = new Map(frontier.map((f) => [f, rowOf(probed[f], rows, r, f)]));
        const row = Array.from((logits.data as Float32Array).subarray(r * classes, (r + 1) * classes));
        const sample: DistillSample = { features, teacherSoft: softmax(row, temperature), teacherClass: argmax(row) };
        if (labels) {
          const index = samples.length;
          if (index >= labels.length) throw new RangeError(`Expected one label per sample row of ${name} for its labels but received ${labels.length} labels for more rows`);
          sample.label = Number(labels[index]);
          if (sample.label >= classes) throw new RangeError(`Expected class indices below ${classes} for the labels of ${name} but received ${sample.label} at index ${index}`);
        }
        samples.push(sample);
      }
      source.onProgress?.({ phase: 'features', done: samples.length });
    }
  } finally {
    probe.dispose();
  }
  if (labels && labels.length !== samples.length) {
    throw new RangeError(`Expected one label per sample row of ${name} (${samples.length}) for its labels but received ${labels.length}`);
  }
  return samples;
}
