/** Deterministic first-order optimizers over the tail's parameters: Adam and SGD with momentum; seeded shuffling. */
import type { TrainableParam } from './tail-op';

export interface Optimizer {
  /** Applies the gradients accumulated over `batch` samples (their mean) and leaves the gradients as they are. */
  step(params: readonly TrainableParam[], batch: number): void;
}

export class Adam implements Optimizer {
  private readonly m = new Map<TrainableParam, Float64Array>();
  private readonly v = new Map<TrainableParam, Float64Array>();
  private t = 0;

  constructor(
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  step(params: readonly TrainableParam[], batch: number): void {
    this.t++;
    const correction1 = 1 - Math.pow(this.beta1, this.t);
    const correction2 = 1 - Math.pow(this.beta2, this.t);
    for (const p of params) {
      const m = this.m.get(p) ?? this.m.set(p, new Float64Array(p.value.length)).get(p)!;
      const v = this.v.get(p) ?? this.v.set(p, new Float64Array(p.value.length)).get(p)!;
      for (let i = 0; i < p.value.length; i++) {
        const g = p.grad[i] / batch;
        m[i] = this.beta1 * m[i] + (1 - this.beta1) * g;
        v[i] = this.beta2 * v[i] + (1 - this.beta2) * g * g;
        p.value[i] -= (this.learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + this.epsilon);
      }
    }
  }
}

export class SgdMomentum implements Optimizer {
  private readonly velocity = new Map<TrainableParam, Float64Array>();

  constructor(
    private readonly learningRate: number,
    private readonly momentum: number,
  ) {}

  step(params: readonly TrainableParam[], batch: number): void {
    for (const p of params) {
      const velocity = this.velocity.get(p) ?? this.velocity.set(p, new Float64Array(p.value.length)).get(p)!;
      for (let i = 0; i < p.value.length; i++) {
        velocity[i] = this.momentum * velocity[i] + p.grad[i] / batch;
        p.value[i] -= this.learningRate * velocity[i];
      }
    }
  }
}

/** Fisher–Yates shuffle of `items` in place with `random`. */
export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
