/** Runs an engine over data samples one at a time (batch 1): top-1 predictions, outputs and per-sample latency. */
import type { Engine } from '../engine';
import { Tensor } from '../tensor';
import type { Dataset } from '../data/load-dataset';
import { createProgress } from './progress';
import { singleInput } from './model-inputs';

export interface SampleRun {
  predictions: Int32Array;
  /** ms per sample, async run including the hand-off to the worker. */
  latencies: Float64Array;
  /** First output of every sample, concatenated (for agreement with a reference). */
  outputs: Float32Array[];
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Runs every sample through `engines` (interleaved sample by sample so machine load hits all alike). */
export async function runSamples(engines: Engine[], data: Dataset, label: string, keepOutputs = false): Promise<SampleRun[]> {
  const n = data.samples.length;
  const runs: SampleRun[] = engines.map(() => ({ predictions: new Int32Array(n), latencies: new Float64Array(n), outputs: [] }));
  const names = engines.map(singleInput);
  const progress = createProgress(label, n);
  // Warm-up outside the timings: first runs compile plans.
  for (let e = 0; e < engines.length; e++) await engines[e].run({ [names[e]]: new Tensor('float32', data.samples[0], [1, ...data.dims]) });
  for (let i = 0; i < n; i++) {
    for (let e = 0; e < engines.length; e++) {
      const feeds = { [names[e]]: new Tensor('float32', data.samples[i], [1, ...data.dims]) };
      const t0 = performance.now();
      const out = await engines[e].run(feeds);
      runs[e].latencies[i] = performance.now() - t0;
      const first = out[engines[e].outputs[0].name].data as Float32Array;
      runs[e].predictions[i] = argmax(first);
      if (keepOutputs) runs[e].outputs.push(first);
    }
    progress.update(i + 1);
  }
  progress.finish();
  return runs;
}

export function accuracy(predictions: Int32Array, labels: readonly number[]): number {
  let correct = 0;
  for (let i = 0; i < predictions.length; i++) if (predictions[i] === labels[i]) correct++;
  return (100 * correct) / predictions.length;
}
