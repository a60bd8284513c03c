/**
 * Parameter-free ops of the trainable tail: activations, residual Add, reshapes, global average pooling and the
 * QuantizeLinear / DequantizeLinear pairs of an int8 model (rounding in forward, straight-through in backward).
 */
import { UnsupportedError } from '../errors';
import { attrFloat, attrInt } from '../ir/attributes';
import type { Node, TensorValue } from '../ir/graph';
import { roundEven } from '../passes/qdq-params';
import { Activation, TailOp, TrainableParam, elementCount } from './tail-op';

const NO_PARAMS: readonly TrainableParam[] = [];

function scalar(node: Node, t: TensorValue | undefined, what: string, fallback: number): number {
  if (!t) return fallback;
  const data = t.data as ArrayLike<number | bigint>;
  if (data.length !== 1) {
    throw new UnsupportedError(`Expected a scalar ${what} for trainable-tail node '${node.name}' (${node.opType}) but received dims [${t.dims.join(', ')}]`, node.opType, node.name);
  }
  return Number(data[0]);
}

/** Relu, Clip and LeakyRelu: y = f(x) elementwise; the gradient is f′(x)·dy. */
export class ActivationTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params = NO_PARAMS;
  private readonly low: number;
  private readonly high: number;
  private readonly negativeSlope: number;
  private x: Float64Array | undefined;

  constructor(readonly node: Node, constants: readonly (TensorValue | undefined)[]) {
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
    this.negativeSlope = node.opType === 'LeakyRelu' ? attrFloat(node, 'alpha', 0.01) : 0;
    if (node.opType === 'Clip') {
      this.low = node.attrs.min ? attrFloat(node, 'min') : scalar(node, constants[1], 'min', -Infinity);
      this.high = node.attrs.max ? attrFloat(node, 'max') : scalar(node, constants[2], 'max', Infinity);
    } else {
      this.low = node.opType === 'Relu' ? 0 : -Infinity;
      this.high = Infinity;
    }
  }

  forward(xs: readonly Activation[]): Activation {
    const x = xs[0].data;
    this.x = x;
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i] < 0 && this.negativeSlope !== 0 ? x[i] * this.negativeSlope : x[i];
      out[i] = v < this.low ? this.low : v > this.high ? this.high : v;
    }
    return { dims: xs[0].dims.slice(), data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    if (!needInput[0]) return [undefined];
    const x = this.x!;
    const dx = new Float64Array(dy.length);
    for (let i = 0; i < dy.length; i++) {
      const v = x[i] < 0 && this.negativeSlope !== 0 ? x[i] * this.negativeSlope : x[i];
      if (v <= this.low || v >= this.high) continue;
      dx[i] = x[i] < 0 && this.negativeSlope !== 0 ? dy[i] * this.negativeSlope : dy[i];
    }
    return [dx];
  }
}

/** Add of two activations of one shape (a residual Add), or of an activation and a broadcast constant. */
export class AddTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params = NO_PARAMS;

  /** @param constantInput the index (0 or 1) of the constant input, when one is. */
  constructor(readonly node: Node, private readonly constant: TensorValue | undefined, constantInput = -1) {
    this.inputs = node.inputs.filter((_, i) => i !== constantInput);
    this.output = node.outputs[0];
  }

  forward(xs: readonly Activation[]): Activation {
    const a = xs[0];
    const out = Float64Array.from(a.data);
    if (this.constant) {
      const index = broadcastIndex(this.node, this.constant.dims, a.dims);
      const c = this.constant.data as Float32Array;
      for (let i = 0; i < out.length; i++) out[i] += c[index[i]];
    } else {
      const b = xs[1];
      if (b.data.length !== a.data.length) {
        throw new UnsupportedError(`Expected inputs of one shape for trainable-tail node '${this.node.name}' (Add) but received [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`, 'Add', this.node.name);
      }
      for (let i = 0; i < out.length; i++) out[i] += b.data[i];
    }
    return { dims: a.dims.slice(), data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    return needInput.map((need) => (need ? dy : undefined));
  }
}

/** For each element of an array of `outDims`, the index of the broadcast constant element it adds. */
function broadcastIndex(node: Node, dims: readonly number[], outDims: readonly number[]): Int32Array {
  if (dims.length > outDims.length) {
    throw new UnsupportedError(`Expected a constant that broadcasts to [${outDims.join(', ')}] for trainable-tail node '${node.name}' but received [${dims.join(', ')}]`, node.opType, node.name);
  }
  const aligned = [...new Array(outDims.length - dims.length).fill(1), ...dims];
  const strides = new Array<number>(aligned.length).fill(0);
  let stride = 1;
  for (let d = aligned.length - 1; d >= 0; d--) {
    if (aligned[d] !== 1 && aligned[d] !== outDims[d]) {
      throw new UnsupportedError(`Expected a constant that broadcasts to [${outDims.join(', ')}] for trainable-tail node '${node.name}' but received [${dims.join(', ')}]`, node.opType, node.name);
    }
    strides[d] = aligned[d] === 1 ? 0 : stride;
    stride *= aligned[d];
  }
  const out = new Int32Array(elementCount(outDims));
  const coord = new Array<number>(outDims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let index = 0;
    for (let d = 0; d < coord.length; d++) index += coord[d] * strides[d];
    out[i] = index;
    for (let d = coord.length - 1; d >= 0; d--) {
      if (++coord[d] < outDims[d]) break;
      coord[d] = 0;
    }
  }
  return out;
}

/** Flatten, Reshape (constant shape), Identity, Squeeze, Unsqueeze: the data is unchanged, only the dims. */
export class ReshapeTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params = NO_PARAMS;

  constructor(readonly node: Node, private readonly shape: TensorValue | undefined) {
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
  }

  forward(xs: readonly Activation[]): Activation {
    return { dims: this.outputDims(xs[0].dims), data: xs[0].data };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    return [needInput[0] ? dy : undefined];
  }

  private outputDims(dims: readonly number[]): number[] {
    const count = elementCount(dims);
    switch (this.node.opType) {
      case 'Flatten': {
        let axis = attrInt(this.node, 'axis', 1);
        if (axis < 0) axis += dims.length;
        const outer = elementCount(dims.slice(0, axis));
        return [outer, count / outer];
      }
      case 'Reshape': {
        const target = Array.from(this.shape!.data as BigInt64Array, Number).map((d, i) => (d === 0 ? dims[i] : d));
        const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        return target.map((d) => (d === -1 ? count / known : d));
      }
      case 'Squeeze':
        return dims.filter((d, i) => d !== 1 || i === 0);
      case 'Unsqueeze':
        throw new UnsupportedError(`Expected no Unsqueeze in the trainable tail but received node '${this.node.name}'`, 'Unsqueeze', this.node.name);
      default:
        return dims.slice();
    }
  }
}

/** GlobalAveragePool: [1, C, H, W] → [1, C, 1, 1]. */
export class GlobalAveragePoolTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params = NO_PARAMS;
  private inputDims: number[] = [];

  constructor(readonly node: Node) {
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
  }

  forward(xs: readonly Activation[]): Activation {
    const x = xs[0];
    this.inputDims = x.dims.slice();
    const channels = x.dims[1];
    const plane = x.data.length / channels;
    const out = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      for (let i = c * plane; i < (c + 1) * plane; i++) sum += x.data[i];
      out[c] = sum / plane;
    }
    return { dims: [1, channels, ...x.dims.slice(2).map(() => 1)], data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    if (!needInput[0]) return [undefined];
    const channels = this.inputDims[1];
    const total = elementCount(this.inputDims);
    const plane = total / channels;
    const dx = new Float64Array(total);
    for (let c = 0; c < channels; c++) dx.fill(dy[c] / plane, c * plane, (c + 1) * plane);
    return [dx];
  }
}

/**
 * QuantizeLinear (per tensor) producing the integer values as floats, and DequantizeLinear of such an activation:
 * together fake quantization. Backward is the straight-through estimator (zero outside the integer range).
 */
export class FakeQuantTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params = NO_PARAMS;
  private readonly scale: number;
  private readonly zeroPoint: number;
  private readonly low: number;
  private readonly high: number;
  private inRange: Uint8Array | undefined;

  constructor(readonly node: Node, constants: readonly (TensorValue | undefined)[]) {
    this.inputs = [node.inputs[0]];
    this.output = node.outputs[0];
    this.scale = scalar(node, constants[1], 'scale', 1);
    this.zeroPoint = scalar(node, constants[2], 'zero point', 0);
    const signed = constants[2]?.type === 'int8';
    this.low = signed ? -128 : 0;
    this.high = signed ? 127 : 255;
  }

  forward(xs: readonly Activation[]): Activation {
    const x = xs[0].data;
    const out = new Float64Array(x.length);
    if (this.node.opType === 'DequantizeLinear') {
      for (let i = 0; i < x.length; i++) out[i] = (x[i] - this.zeroPoint) * this.scale;
    } else {
      const inRange = new Uint8Array(x.length);
      for (let i = 0; i < x.length; i++) {
        const q = roundEven(x[i] / this.scale) + this.zeroPoint;
        out[i] = q < this.low ? this.low : q > this.high ? this.high : q;
        inRange[i] = q >= this.low && q <= this.high ? 1 : 0;
      }
      this.inRange = inRange;
    }
    return { dims: xs[0].dims.slice(), data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    if (!needInput[0]) return [undefined];
    const dx = new Float64Array(dy.length);
    if (this.node.opType === 'DequantizeLinear') {
      for (let i = 0; i < dy.length; i++) dx[i] = dy[i] * this.scale;
    } else {
      const inRange = this.inRange!;
      for (let i = 0; i < dy.length; i++) dx[i] = inRange[i] ? dy[i] / this.scale : 0;
    }
    return [dx];
  }
}
