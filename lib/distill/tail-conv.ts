/**
 * Conv in the trainable tail: frozen weights, and when chosen a per-output-channel scale s and shift t on its output
 * (y = s·(W∗x + b) + t, folded back into W and b). When its input is fixed the engine-computed conv output is probed
 * and only the affine runs here.
 */
import { UnsupportedError } from '../errors';
import { attrInt, attrInts, attrString } from '../ir/attributes';
import type { Node, TensorValue } from '../ir/graph';
import { Activation, TailOp, TrainableParam, elementCount, param } from './tail-op';

interface ConvGeometry {
  channels: number;
  outChannels: number;
  group: number;
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
}

function geometry(node: Node, weight: TensorValue): ConvGeometry {
  if (weight.dims.length !== 4) throw new UnsupportedError(`Expected a 2-D Conv (4-D weight) for trainable-tail node '${node.name}' but received weight dims [${weight.dims.join(', ')}]`, 'Conv', node.name);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') {
    throw new UnsupportedError(`Expected auto_pad NOTSET or VALID for trainable-tail node '${node.name}' but received ${autoPad}`, 'Conv', node.name);
  }
  const group = attrInt(node, 'group', 1);
  const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : attrInts(node, 'pads', [0, 0, 0, 0]);
  const strides = attrInts(node, 'strides', [1, 1]);
  const dilations = attrInts(node, 'dilations', [1, 1]);
  return {
    channels: weight.dims[1] * group,
    outChannels: weight.dims[0],
    group,
    kernel: [weight.dims[2], weight.dims[3]],
    strides: [strides[0], strides[1]],
    pads: [pads[0], pads[1], pads[2], pads[3]],
    dilations: [dilations[0], dilations[1]],
  };
}

export class ConvTailOp implements TailOp {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly params: readonly TrainableParam[];
  private readonly scale: TrainableParam | undefined;
  private readonly shift: TrainableParam | undefined;
  private readonly geo: ConvGeometry;
  private readonly weight: Float64Array;
  private readonly weightDims: number[];
  private readonly bias: Float64Array;
  private x: Activation | undefined;
  private raw: Activation | undefined;

  /**
   * @param computeConv false when the input is the probed conv output (W∗x + b) itself.
   * @param trainable whether the per-channel scale and shift are fine-tuned.
   */
  constructor(
    readonly node: Node,
    weight: TensorValue,
    bias: TensorValue | undefined,
    readonly computeConv: boolean,
    trainable: boolean,
  ) {
    this.geo = geometry(node, weight);
    this.weight = Float64Array.from(weight.data as Float32Array);
    this.weightDims = weight.dims.slice();
    this.bias = bias ? Float64Array.from(bias.data as Float32Array) : new Float64Array(this.geo.outChannels);
    this.inputs = [computeConv ? node.inputs[0] : node.outputs[0]];
    this.output = node.outputs[0];
    if (trainable) {
      this.scale = param(`${node.name}.scale`, new Float64Array(this.geo.outChannels).fill(1));
      this.shift = param(`${node.name}.shift`, new Float64Array(this.geo.outChannels));
      this.params = [this.scale, this.shift];
    } else {
      this.params = [];
    }
  }

  /** The per-channel scale and shift learned (identity when not trainable). */
  private affine(): { scale: Float64Array; shift: Float64Array } {
    const m = this.geo.outChannels;
    return { scale: this.scale?.value ?? new Float64Array(m).fill(1), shift: this.shift?.value ?? new Float64Array(m) };
  }

  /** Weight and bias with the learned affine folded in: W'[m] = s[m]·W[m], b'[m] = s[m]·b[m] + t[m]. */
  folded(): { weightDims: number[]; weight: Float64Array; bias: Float64Array } {
    const { scale, shift } = this.affine();
    const m = this.geo.outChannels;
    const perChannel = this.weight.length / m;
    const weight = new Float64Array(this.weight.length);
    const bias = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      for (let i = c * perChannel; i < (c + 1) * perChannel; i++) weight[i] = scale[c] * this.weight[i];
      bias[c] = scale[c] * this.bias[c] + shift[c];
    }
    return { weightDims: this.weightDims.slice(), weight, bias };
  }

  forward(xs: readonly Activation[]): Activation {
    const raw = this.computeConv ? this.convolve(xs[0]) : xs[0];
    this.x = xs[0];
    this.raw = raw;
    if (!this.scale || !this.shift) return raw;
    const m = raw.dims[1];
    const plane = raw.data.length / m;
    const out = new Float64Array(raw.data.length);
    for (let c = 0; c < m; c++) {
      const s = this.scale.value[c];
      const t = this.shift.value[c];
      for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = s * raw.data[i] + t;
    }
    return { dims: raw.dims.slice(), data: out };
  }

  backward(dy: Float64Array, needInput: readonly boolean[]): (Float64Array | undefined)[] {
    const raw = this.raw!;
    const m = raw.dims[1];
    const plane = raw.data.length / m;
    let dRaw = dy;
    if (this.scale && this.shift) {
      dRaw = new Float64Array(dy.length);
      for (let c = 0; c < m; c++) {
        const s = this.scale.value[c];
        let ds = 0;
        let dt = 0;
        for (let i = c * plane; i < (c + 1) * plane; i++) {
          ds += dy[i] * raw.data[i];
          dt += dy[i];
          dRaw[i] = dy[i] * s;
        }
        this.scale.grad[c] += ds;
        this.shift.grad[c] += dt;
      }
    }
    if (!needInput[0]) return [undefined];
    return [this.computeConv ? this.convolveBackward(dRaw) : dRaw];
  }

  private outputSize(h: number, w: number): [number, number] {
    const { kernel, strides, pads, dilations } = this.geo;
    return [
      Math.floor((h + pads[0] + pads[2] - dilations[0] * (kernel[0] - 1) - 1) / strides[0]) + 1,
      Math.floor((w + pads[1] + pads[3] - dilations[1] * (kernel[1] - 1) - 1) / strides[1]) + 1,
    ];
  }

  /**
   * The direct convolution's multiply-adds on x = [1, C, H, W]: forward adds W·src[input] to dst[output]; transposed
   * (the input gradient) adds W·src[output] to dst[input].
   */
  private accumulate(src: Float64Array, dst: Float64Array, h: number, w: number, outHeight: number, outWidth: number, transposed: boolean): void {
    const { channels, outChannels, group, kernel, strides, pads, dilations } = this.geo;
    const perGroupIn = channels / group;
    const perGroupOut = outChannels / group;
    for (let m = 0; m < outChannels; m++) {
      const g = Math.floor(m / perGroupOut);
      for (let ci = 0; ci < perGroupIn; ci++) {
        const c = g * perGroupIn + ci;
        for (let kh = 0; kh < kernel[0]; kh++) {
          for (let kw = 0; kw < kernel[1]; kw++) {
            const wv = this.weight[((m * perGroupIn + ci) * kernel[0] + kh) * kernel[1] + kw];
            if (wv === 0) continue;
            for (let oh = 0; oh < outHeight; oh++) {
              const ih = oh * strides[0] - pads[0] + kh * dilations[0];
              if (ih < 0 || ih >= h) continue;
              const outRow = (m * outHeight + oh) * outWidth;
              const inRow = (c * h + ih) * w;
              for (let ow = 0; ow < outWidth; ow++) {
                const iw = ow * strides[1] - pads[1] + kw * dilations[1];
                if (iw < 0 || iw >= w) continue;
                if (transposed) dst[inRow + iw] += wv * src[outRow + ow];
                else dst[outRow + ow] += wv * src[inRow + iw];
              }
            }
          }
        }
      }
    }
  }

  private convolve(x: Activation): Activation {
    const [, c, h, w] = x.dims;
    if (c !== this.geo.channels) throw new UnsupportedError(`Expected ${this.geo.channels} input channels for trainable-tail node '${this.node.name}' but received ${c}`, 'Conv', this.node.name);
    const [oh, ow] = this.outputSize(h, w);
    const dims = [1, this.geo.outChannels, oh, ow];
    const out = new Float64Array(elementCount(dims));
    for (let m = 0; m < this.geo.outChannels; m++) out.fill(this.bias[m], m * oh * ow, (m + 1) * oh * ow);
    this.accumulate(x.data, out, h, w, oh, ow, false);
    return { dims, data: out };
  }

  private convolveBackward(dRaw: Float64Array): Float64Array {
    const [, , h, w] = this.x!.dims;
    const [oh, ow] = this.outputSize(h, w);
    const dx = new Float64Array(this.x!.data.length);
    this.accumulate(dRaw, dx, h, w, oh, ow, true);
    return dx;
  }
}
