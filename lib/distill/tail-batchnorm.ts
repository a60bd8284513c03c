/** Inference BatchNormalization in the trainable tail: y = γ·(x − μ)/√(σ² + ε) + β per channel; γ and β fine-tuned when chosen. */
import { attrFloat } from '../ir/attributes';
import type { Node, TensorValue } from '../ir/graph';
import { Activation, TailOp, TrainableParam, param } from './tail-op';

export class BatchNormTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params: readonly TrainableParam[];
  readonly gamma: TrainableParam;
  readonly beta: TrainableParam;
  /** 1/√(σ² + ε) per channel. */
  private readonly invStd: Float64Array;
  private readonly mean: Float64Array;
  private normalized: Float64Array | undefined;

  constructor(readonly node: Node, constants: readonly TensorValue[], trainable: boolean) {
    const [scale, bias, mean, variance] = constants.map((t) => Float64Array.from(t.data as Float32Array));
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    this.invStd = variance.map((v) => 1 / Math.sqrt(v + epsilon));
    this.mean = mean;
    this.gamma = param(`${node.name}.scale`, scale);
    this.beta = param(`${node.name}.bias`, bias);
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
    this.params = trainable ? [this.gamma, this.beta] : [];
  }

  forward(xs: readonly Activation[]): Activation {
    const x = xs[0];
    const channels = x.dims[1];
    const plane = x.data.length / channels;
    const normalized = new Float64Array(x.data.length);
    const out = new Float64Array(x.data.length);
    for (let c = 0; c < channels; c++) {
      for (let i = c * plane; i < (c + 1) * plane; i++) {
        normalized[i] = (x.data[i] - this.mean[c]) * this.invStd[c];
        out[i] = this.gamma.value[c] * normalized[i] + this.beta.value[c];
      }
    }
    this.normalized = normalized;
    return { dims: x.dims.slice(), data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    const normalized = this.normalized!;
    const channels = this.mean.length;
    const plane = dy.length / channels;
    const trainable = this.params.length > 0;
    const dx = needInput[0] ? new Float64Array(dy.length) : undefined;
    for (let c = 0; c < channels; c++) {
      let dGamma = 0;
      let dBeta = 0;
      const factor = this.gamma.value[c] * this.invStd[c];
      for (let i = c * plane; i < (c + 1) * plane; i++) {
        dGamma += dy[i] * normalized[i];
        dBeta += dy[i];
        if (dx) dx[i] = dy[i] * factor;
      }
      if (trainable) {
        this.gamma.grad[c] += dGamma;
        this.beta.grad[c] += dBeta;
      }
    }
    return [dx];
  }
}
