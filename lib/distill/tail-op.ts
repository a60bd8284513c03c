/** The contract of a trainable-tail op: one sample at a time in float64, forward caches what its backward needs. */
import type { Node } from '../ir/graph';

/** An activation of one sample (batch dimension 1 kept in dims), float64 so gradients accumulate exactly enough. */
export interface Activation {
  dims: number[];
  data: Float64Array;
}

/** A parameter being fine-tuned; `grad` accumulates over a minibatch until the optimizer step clears it. */
export interface TrainableParam {
  name: string;
  value: Float64Array;
  grad: Float64Array;
}

export interface TailOp {
  readonly node: Node;
  /** Activation inputs in the order forward receives them (constants are the op's own business). */
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params: readonly TrainableParam[];
  /** Computes the output from the activation inputs and keeps what backward needs (one sample in flight). */
  forward(xs: readonly Activation[]): Activation;
  /**
   * Adds the gradients of the parameters to their `grad` and returns the gradient of each activation input whose
   * `needInput` entry is true (undefined for the others).
   */
  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[];
}

export function param(name: string, value: Float64Array): TrainableParam {
  return { name, value, grad: new Float64Array(value.length) };
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
