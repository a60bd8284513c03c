/** Rows of a conv/gemm layer's input as its weights see them (im2col for convs): what reconstruction and ThiNet regress on. */
import type { Node, TensorValue } from '../ir/graph';

/** A 2-D view of a 1-D or 2-D convolution (1-D convs get height 1). */
export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

function ints(node: Node, name: string, fallback: number[]): number[] {
  const a = node.attrs[name];
  return a && a.kind === 'ints' ? a.value : fallback;
}

/**
 * Geometry of a Conv node from its input [N, C, (H,) W] and output dims (the output dims settle auto_pad).
 * Returns undefined for 3-D and higher convolutions.
 */
export function convGeometry(node: Node, inDims: readonly number[], outDims: readonly number[], weightDims: readonly number[]): ConvGeometry | undefined {
  const spatial = inDims.length - 2;
  if (spatial !== 1 && spatial !== 2) return undefined;
  const kernel = weightDims.slice(2);
  const strides = ints(node, 'strides', new Array(spatial).fill(1));
  const dilations = ints(node, 'dilations', new Array(spatial).fill(1));
  let pads = ints(node, 'pads', new Array(2 * spatial).fill(0));
  const autoPad = node.attrs.auto_pad?.kind === 'string' ? node.attrs.auto_pad.value : 'NOTSET';
  if (autoPad === 'VALID') pads = new Array(2 * spatial).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * spatial).fill(0);
    for (let i = 0; i < spatial; i++) {
      const total = Math.max(0, (outDims[2 + i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inDims[2 + i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
    }
  }
  const two = (v: number[], fill: number) => (spatial === 1 ? [fill, v[0]] : v);
  const [kernelH, kernelW] = two(kernel, 1);
  const [strideH, strideW] = two(strides, 1);
  const [dilationH, dilationW] = two(dilations, 1);
  const [padTop, padLeft] = spatial === 1 ? [0, pads[0]] : [pads[0], pads[1]];
  const [height, width] = two(inDims.slice(2), 1);
  const [outHeight, outWidth] = two(outDims.slice(2), 1);
  return { channels: inDims[1], height, width, kernelH, kernelW, strideH, strideW, dilationH, dilationW, padTop, padLeft, outHeight, outWidth };
}

/**
 * Writes the receptive field of output pixel (oy, ox) of batch item `b` into dst[offset ..], ordered [c][ky][kx]
 * like a row of the conv weights [M, C, kH, kW]; padding reads as zero.
 */
export function gatherPatch(x: Float32Array, geo: ConvGeometry, b: number, oy: number, ox: number, dst: Float64Array | Float32Array, offset = 0): void {
  const { channels, height, width, kernelH, kernelW } = geo;
  const plane = height * width;
  const base = b * channels * plane;
  const y0 = oy * geo.strideH - geo.padTop;
  const x0 = ox * geo.strideW - geo.padLeft;
  let o = offset;
  for (let c = 0; c < channels; c++) {
    const cBase = base + c * plane;
    for (let ky = 0; ky < kernelH; ky++) {
      const iy = y0 + ky * geo.dilationH;
      const rowOk = iy >= 0 && iy < height;
      for (let kx = 0; kx < kernelW; kx++) {
        const ix = x0 + kx * geo.dilationW;
        dst[o++] = rowOk && ix >= 0 && ix < width ? x[cBase + iy * width + ix] : 0;
      }
    }
  }
}

/** The weights of a weighted layer as an [outputs x inputs] row-major matrix (Conv W reshaped, Gemm/MatMul B transposed as needed). */
export function weightRows(node: Node, w: TensorValue): { rows: number; cols: number; data: Float32Array } {
  const data = w.data as Float32Array;
  if (node.opType === 'Conv') {
    const rows = w.dims[0];
    return { rows, cols: data.length / rows, data };
  }
  const transB = node.opType === 'Gemm' && node.attrs.transB?.kind === 'int' && node.attrs.transB.value !== 0;
  if (transB) return { rows: w.dims[0], cols: w.dims[1], data };
  const [k, n] = w.dims;
  const t = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) t[j * k + i] = data[i * n + j];
  return { rows: n, cols: k, data: t };
}

/** A small deterministic generator (LCG) so sampled pixels are the same on every run. */
export class SampleRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return Math.floor((this.state / 4294967296) * n);
  }
  /** `count` distinct integers of [0, n) in ascending order (all of them when count >= n). */
  choose(n: number, count: number): number[] {
    if (count >= n) return Array.from({ length: n }, (_, i) => i);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(this.below(n));
    return [...picked].sort((a, b) => a - b);
  }
}
