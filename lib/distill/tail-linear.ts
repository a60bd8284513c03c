/** Gemm and MatMul with a constant weight in the trainable tail: the classifier, fine-tuned whole (weight and bias). */
import { UnsupportedError } from '../errors';
import { attrFloat, attrInt } from '../ir/attributes';
import type { Node, TensorValue } from '../ir/graph';
import { Activation, TailOp, TrainableParam, param } from './tail-op';

/**
 * Y = alpha·A·op(B) + bias for A = [rows, K] (Gemm) or [..., K] (MatMul), B the constant weight. Gemm's bias is
 * beta·C expanded to [N]; it is trainable (and created when C is absent) when the layer is.
 */
export class LinearTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params: readonly TrainableParam[];
  /** op(B) as K x N is read through these strides of the stored weight. */
  private readonly k: number;
  private readonly n: number;
  private readonly strideK: number;
  private readonly strideN: number;
  private readonly alpha: number;
  readonly weight: TrainableParam;
  readonly weightDims: number[];
  readonly bias: TrainableParam | undefined;
  private readonly trainable: boolean;
  private a: Activation | undefined;

  constructor(readonly node: Node, weight: TensorValue, bias: TensorValue | undefined, trainable: boolean) {
    const isGemm = node.opType === 'Gemm';
    if (weight.dims.length !== 2) {
      throw new UnsupportedError(`Expected a 2-D constant weight for trainable-tail node '${node.name}' (${node.opType}) but received dims [${weight.dims.join(', ')}]`, node.opType, node.name);
    }
    if (isGemm && attrInt(node, 'transA', 0) !== 0) {
      throw new UnsupportedError(`Expected transA = 0 for trainable-tail node '${node.name}' (Gemm) but received 1`, 'Gemm', node.name);
    }
    const transB = isGemm && attrInt(node, 'transB', 0) === 1;
    this.k = transB ? weight.dims[1] : weight.dims[0];
    this.n = transB ? weight.dims[0] : weight.dims[1];
    this.strideK = transB ? 1 : this.n;
    this.strideN = transB ? this.k : 1;
    this.alpha = isGemm ? attrFloat(node, 'alpha', 1) : 1;
    this.trainable = trainable;
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
    this.weightDims = weight.dims.slice();
    this.weight = param(`${node.name}.weight`, Float64Array.from(weight.data as Float32Array));
    if (isGemm) this.bias = param(`${node.name}.bias`, expandBias(node, bias, this.n, isGemm ? attrFloat(node, 'beta', 1) : 1));
    this.params = trainable ? (this.bias ? [this.weight, this.bias] : [this.weight]) : [];
  }

  forward(xs: readonly Activation[]): Activation {
    const a = xs[0];
    const k = a.dims[a.dims.length - 1];
    if (k !== this.k || (this.node.opType === 'Gemm' && a.dims.length !== 2)) {
      throw new UnsupportedError(`Expected an input [rows, ${this.k}] for trainable-tail node '${this.node.name}' but received [${a.dims.join(', ')}]`, this.node.opType, this.node.name);
    }
    this.a = a;
    const rows = a.data.length / k;
    const out = new Float64Array(rows * this.n);
    const w = this.weight.value;
    const bias = this.bias?.value;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < this.n; j++) {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += a.data[r * k + i] * w[i * this.strideK + j * this.strideN];
        out[r * this.n + j] = this.alpha * sum + (bias ? bias[j] : 0);
      }
    }
    return { dims: [...a.dims.slice(0, -1), this.n], data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    const a = this.a!;
    const k = this.k;
    const rows = a.data.length / k;
    const w = this.weight.value;
    if (this.trainable) {
      const dw = this.weight.grad;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < this.n; j++) {
          const g = this.alpha * dy[r * this.n + j];
          if (g === 0) continue;
          for (let i = 0; i < k; i++) dw[i * this.strideK + j * this.strideN] += g * a.data[r * k + i];
          if (this.bias) this.bias.grad[j] += dy[r * this.n + j];
        }
      }
    }
    if (!needInput[0]) return [undefined];
    const da = new Float64Array(a.data.length);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let j = 0; j < this.n; j++) sum += dy[r * this.n + j] * w[i * this.strideK + j * this.strideN];
        da[r * k + i] = this.alpha * sum;
      }
    }
    return [da];
  }
}

/** beta·C as a length-N vector (C may be absent, a scalar, [N] or [1, N]). */
function expandBias(node: Node, c: TensorValue | undefined, n: number, beta: number): Float64Array {
  const out = new Float64Array(n);
  if (!c) return out;
  const count = (c.data as Float32Array).length;
  if (count !== 1 && count !== n) {
    throw new UnsupportedError(`Expected a bias of 1 or ${n} values for trainable-tail node '${node.name}' (Gemm) but received dims [${c.dims.join(', ')}]`, 'Gemm', node.name);
  }
  for (let j = 0; j < n; j++) out[j] = beta * (c.data as Float32Array)[count === 1 ? 0 : j];
  return out;
}
