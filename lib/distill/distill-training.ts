/** The training loop of distillation over cached samples: seeded shuffles, minibatch gradients, one optimizer. */
import { seededRandom } from '../stats/bootstrap';
import type { CheckedDistillOptions } from './distill-options';
import { distillationLoss } from './kd-loss';
import { Adam, Optimizer, SgdMomentum, shuffle } from './optimizer';
import { DistillSample, argmax, featuresOf } from './distill-samples';
import type { TailModel } from './tail-graph';

export type TrainingSettings = Pick<
  CheckedDistillOptions,
  'temperature' | 'alpha' | 'epochs' | 'optimizer' | 'learningRate' | 'momentum' | 'batchSize' | 'seed' | 'onProgress'
>;

/** Mean loss over `samples` with the tail's current parameters (no update). */
export function meanLoss(tail: TailModel, samples: readonly DistillSample[], s: Pick<TrainingSettings, 'temperature' | 'alpha'>): number {
  let total = 0;
  for (const sample of samples) total += distillationLoss(tail.forward(featuresOf(sample)).data, sample.teacherSoft, sample.label, s.temperature, s.alpha).loss;
  return total / Math.max(1, samples.length);
}

/** Share of `samples` whose tail top-1 equals the label (or, without labels, the teacher's top-1). */
export function tailAgreement(tail: TailModel, samples: readonly DistillSample[]): number {
  let hits = 0;
  for (const sample of samples) {
    const predicted = argmax(tail.forward(featuresOf(sample)).data);
    if (predicted === (sample.label ?? sample.teacherClass)) hits++;
  }
  return samples.length ? hits / samples.length : 0;
}

/** Trains the tail's parameters in place; returns the mean loss of each epoch. */
export async function trainTail(tail: TailModel, samples: readonly DistillSample[], s: TrainingSettings): Promise<number[]> {
  const optimizer: Optimizer = s.optimizer === 'adam' ? new Adam(s.learningRate) : new SgdMomentum(s.learningRate, s.momentum);
  const random = seededRandom(s.seed);
  const order = samples.map((_, i) => i);
  const curve: number[] = [];
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    shuffle(order, random);
    let total = 0;
    for (let start = 0; start < order.length; start += s.batchSize) {
      const end = Math.min(order.length, start + s.batchSize);
      tail.zeroGrad();
      for (let k = start; k < end; k++) {
        const sample = samples[order[k]];
        const terms = distillationLoss(tail.forward(featuresOf(sample)).data, sample.teacherSoft, sample.label, s.temperature, s.alpha);
        total += terms.loss;
        tail.backward(terms.grad);
      }
      optimizer.step(tail.params, end - start);
    }
    curve.push(total / Math.max(1, order.length));
    s.onProgress?.({ phase: 'distill', done: epoch + 1, total: s.epochs });
    // Let other work on the event loop run between epochs.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return curve;
}
