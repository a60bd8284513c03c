/**
 * The distillation loss of one sample: alpha·T²·KL(softmax(t/T) ‖ softmax(s/T)) + (1 − alpha)·CE(softmax(s), label)
 * (Hinton et al.: T² keeps the soft-target gradients on the scale of the hard-target ones), and its gradient.
 */

/** softmax(z / temperature) in float64, max-subtracted. */
export function softmax(z: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(z.length);
  let max = -Infinity;
  for (let i = 0; i < z.length; i++) max = Math.max(max, z[i] / temperature);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    out[i] = Math.exp(z[i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < z.length; i++) out[i] /= sum;
  return out;
}

export interface LossTerms {
  /** The mixed loss. */
  loss: number;
  /** T²·KL term alone. */
  kd: number;
  /** Cross-entropy alone (0 without a label). */
  ce: number;
  /** d(loss)/d(student logits). */
  grad: Float64Array;
}

/**
 * @param student the student's logits.
 * @param teacherSoft softmax(teacher logits / T), precomputed once per sample.
 * @param label the class index, or undefined: then the loss is the KD term alone.
 */
export function distillationLoss(student: Float64Array, teacherSoft: Float64Array, label: number | undefined, temperature: number, alpha: number): LossTerms {
  const soft = softmax(student, temperature);
  const t2 = temperature * temperature;
  let kl = 0;
  for (let i = 0; i < soft.length; i++) {
    if (teacherSoft[i] > 0) kl += teacherSoft[i] * (Math.log(teacherSoft[i]) - Math.log(Math.max(soft[i], 1e-300)));
  }
  const kd = t2 * kl;
  const kdWeight = label === undefined ? 1 : alpha;
  const grad = new Float64Array(student.length);
  // d(T²·KL)/ds = T·(softmax(s/T) − softmax(t/T)).
  for (let i = 0; i < grad.length; i++) grad[i] = kdWeight * temperature * (soft[i] - teacherSoft[i]);
  let ce = 0;
  if (label !== undefined) {
    const hard = softmax(student);
    ce = -Math.log(Math.max(hard[label], 1e-300));
    for (let i = 0; i < grad.length; i++) grad[i] += (1 - alpha) * (hard[i] - (i === label ? 1 : 0));
  }
  return { loss: kdWeight * kd + (label === undefined ? 0 : (1 - alpha) * ce), kd, ce, grad };
}
