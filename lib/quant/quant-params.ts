/** The int8 scheme in numbers: u8 asymmetric activation parameters from a range, symmetric s8 weights, int32 bias. */

/** Activation quantization: real = scale * (q - zeroPoint), q in 0..255. */
export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/** A real-valued range [min, max]. */
export interface Range {
  min: number;
  max: number;
}

/** Round half to even, the rounding of QuantizeLinear (and numpy), so stored integers match what runtimes compute. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * u8 parameters for a range: the range is widened to include 0 (so zero padding and ReLU's floor are exact), the scale
 * is stored as float32, and the zero point is the rounded image of 0.
 */
export function activationParams(range: Range): ActivationParams {
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const width = hi - lo;
  if (!(width > 0) || !Number.isFinite(width)) return { scale: 1, zeroPoint: lo < 0 ? 255 : 0 };
  const scale = Math.fround(width / 255);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}

/** Quantize-dequantize of one value with u8 parameters (what a Q→DQ pair computes). */
export function fakeQuantize(x: number, p: ActivationParams): number {
  const q = Math.min(255, Math.max(0, roundHalfEven(x / p.scale) + p.zeroPoint));
  return (q - p.zeroPoint) * p.scale;
}

/** Symmetric int8 weights: q in -127..127 (the -128 code is never used, so |q| fits the int16 pair sums of u8 x s8 kernels better). */
export interface QuantizedWeights {
  data: Int8Array;
  /** One scale per channel along `axis`, or one for the whole tensor. */
  scales: Float32Array;
  /** Dequantized values (scale * q), for bias correction and error measurement. */
  dequantized: Float32Array;
}

/**
 * Quantizes weights symmetrically per channel of `axis` (per tensor when axis is undefined).
 * @param dims weight dims; channel c of axis a is every index with coordinate c on that axis.
 */
export function quantizeWeights(w: Float32Array, dims: readonly number[], axis: number | undefined): QuantizedWeights {
  const channels = axis === undefined ? 1 : dims[axis];
  const inner = axis === undefined ? w.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(w[i]);
    if (a > maxAbs[c]) maxAbs[c] = a;
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = maxAbs[c] > 0 ? Math.fround(maxAbs[c] / 127) : 1;
  const data = new Int8Array(w.length);
  const dequantized = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const s = scales[channelOf(i)];
    const q = Math.min(127, Math.max(-127, roundHalfEven(w[i] / s)));
    data[i] = q;
    dequantized[i] = q * s;
  }
  return { data, scales, dequantized };
}

/** Bias scale per output channel: float32(x_scale * w_scale[m]), exactly what QLinearConv / QConv assume. */
export function biasScales(inputScale: number, weightScales: Float32Array, channels: number): Float32Array {
  const out = new Float32Array(channels);
  for (let m = 0; m < channels; m++) out[m] = Math.fround(Math.fround(inputScale) * weightScales[weightScales.length === 1 ? 0 : m]);
  return out;
}

/** int32 bias in units of its scale, saturated to the int32 range. */
export function quantizeBias(bias: Float32Array, scales: Float32Array): Int32Array {
  const out = new Int32Array(bias.length);
  for (let m = 0; m < bias.length; m++) {
    const q = roundHalfEven(bias[m] / scales[scales.length === 1 ? 0 : m]);
    out[m] = Math.min(2147483647, Math.max(-2147483648, q));
  }
  return out;
}
