/**
 * Bias correction: rounding weights shifts each output channel's mean by E[(W̃ - W) x]. Calibration accumulates, per
 * layer, the sum of the input values each weight tap sees (over all output positions), so the shift is exact for
 * the calibration inputs (borders and padding included) without running any convolution in TypeScript.
 */
import type { Node } from '../ir/graph';
import { attrNumbers, attrString } from '../passes/fusion-context';
import type { WeightedLayer } from './quantization-plan';

/** Per weight tap (input channel x kernel position, or input feature): sum of the input values it multiplied. */
export class TapSums {
  /** Layout: [C_in, kh, kw] for Conv, [K] for Gemm / MatMul. */
  readonly sums: Float64Array;
  /** Output positions (rows) the sums cover. */
  positions = 0;

  private constructor(
    readonly layer: WeightedLayer,
    private readonly geometry: ConvGeometry | undefined,
    taps: number,
  ) {
    this.sums = new Float64Array(taps);
  }

  /** A tracker for a layer, or undefined when its geometry is not supported (bias correction then skips it). */
  static of(layer: WeightedLayer, weightDims: readonly number[]): TapSums | undefined {
    const node = layer.node;
    if (node.opType === 'Conv') {
      const geometry = convGeometry(node, weightDims);
      if (!geometry) return undefined;
      return new TapSums(layer, geometry, weightDims[1] * geometry.group * weightDims[2] * weightDims[3]);
    }
    const k = layer.axis === 0 ? weightDims[1] : weightDims[0];
    return new TapSums(layer, undefined, k);
  }

  /** Adds one sample of the layer's input (NCHW for Conv, [..., K] otherwise). */
  add(x: ArrayLike<number>, dims: readonly number[]): void {
    if (this.geometry) this.addConv(x, dims, this.geometry);
    else this.addRows(x);
  }

  private addRows(x: ArrayLike<number>): void {
    const k = this.sums.length;
    const rows = Math.floor(x.length / k);
    for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) this.sums[i] += x[r * k + i];
    this.positions += rows;
  }

  private addConv(x: ArrayLike<number>, dims: readonly number[], g: ConvGeometry): void {
    const [n, c, h, w] = dims;
    const oh = Math.floor((h + g.pads[0] + g.pads[2] - g.dilations[0] * (g.kh - 1) - 1) / g.strides[0]) + 1;
    const ow = Math.floor((w + g.pads[1] + g.pads[3] - g.dilations[1] * (g.kw - 1) - 1) / g.strides[1]) + 1;
    if (oh <= 0 || ow <= 0) return;
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        const plane = (b * c + ch) * h * w;
        for (let ky = 0; ky < g.kh; ky++) {
          for (let kx = 0; kx < g.kw; kx++) {
            let sum = 0;
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0];
              if (iy < 0 || iy >= h) continue;
              const row = plane + iy * w;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1];
                if (ix >= 0 && ix < w) sum += x[row + ix];
              }
            }
            this.sums[(ch * g.kh + ky) * g.kw + kx] += sum;
          }
        }
      }
    }
    this.positions += n * oh * ow;
  }

  /**
   * Mean output shift per output channel that weights `delta` (= dequantized - float, same layout as the weight)
   * cause on the calibration inputs.
   */
  meanShift(delta: Float32Array, weightDims: readonly number[]): Float64Array {
    const { axis, channels } = this.layer;
    const shift = new Float64Array(channels);
    if (this.positions === 0) return shift;
    if (this.geometry) {
      const perGroupIn = weightDims[1];
      const taps = weightDims[1] * weightDims[2] * weightDims[3];
      const outPerGroup = channels / this.geometry.group;
      const kernel = weightDims[2] * weightDims[3];
      for (let m = 0; m < channels; m++) {
        const firstIn = Math.floor(m / outPerGroup) * perGroupIn;
        let s = 0;
        for (let t = 0; t < taps; t++) s += delta[m * taps + t] * this.sums[firstIn * kernel + t];
        shift[m] = s / this.positions;
      }
      return shift;
    }
    const k = this.sums.length;
    for (let m = 0; m < channels; m++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += delta[axis === 0 ? m * k + i : i * channels + m] * this.sums[i];
      shift[m] = s / this.positions;
    }
    return shift;
  }
}

interface ConvGeometry {
  group: number;
  kh: number;
  kw: number;
  strides: number[];
  /** top, left, bottom, right */
  pads: number[];
  dilations: number[];
}

/** 2-D Conv geometry with explicit pads; undefined for other ranks and auto_pad. */
function convGeometry(node: Node, weightDims: readonly number[]): ConvGeometry | undefined {
  if (weightDims.length !== 4) return undefined;
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') return undefined;
  const pads = autoPad === 'VALID' ? [0, 0, 0, 0] : attrNumbers(node, 'pads') ?? [0, 0, 0, 0];
  const group = (attrNumbers(node, 'group') ?? [1])[0];
  return {
    group,
    kh: weightDims[2],
    kw: weightDims[3],
    strides: attrNumbers(node, 'strides') ?? [1, 1],
    pads: [pads[0], pads[1], pads[2], pads[3]],
    dilations: attrNumbers(node, 'dilations') ?? [1, 1],
  };
}
