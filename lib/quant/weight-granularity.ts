/**
 * Per-layer choice between per-channel and per-tensor weight scales. A float32 scale per channel is 4 bytes against
 * k int8 weights a channel: noise for a 3x3x64 kernel, a third of the layer for a 3x3 depthwise one (k = 9). 'auto'
 * drops the per-channel scales where they are that costly and per-tensor rounding still leaves every channel clean.
 */
import { QuantizedWeights, quantizeWeights } from './quant-params';

/** true: per channel everywhere; false: per tensor everywhere; 'auto': per layer (see choose). */
export type WeightGranularity = boolean | 'auto';

/** Layers with at most this many weights per output channel pay >= 25% of their int8 bytes for per-channel scales. */
export const AUTO_MAX_WEIGHTS_PER_CHANNEL = 16;
/**
 * Per-tensor is taken when every output channel keeps at least this weight SQNR (dB) on the shared grid: rounding
 * noise at most 1/1000 of the channel's energy (per-channel int8 gives ~48 dB). Judging the worst channel, not the
 * layer, keeps a channel much smaller than the rest from losing its bits unnoticed.
 */
export const AUTO_MIN_SQNR_DB = 30;

/** 10·log10(Σw² / Σ(w - ŵ)²) over [from, to); Infinity when quantization is exact there. */
export function weightSqnr(w: Float32Array, dequantized: Float32Array, from = 0, to = w.length): number {
  let signal = 0;
  let noise = 0;
  for (let i = from; i < to; i++) {
    signal += w[i] * w[i];
    noise += (dequantized[i] - w[i]) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

/** The lowest per-channel SQNR of dequantized weights, channels along `axis`. */
export function worstChannelSqnr(w: Float32Array, dequantized: Float32Array, dims: readonly number[], axis: number): number {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const signal = new Float64Array(channels);
  const noise = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    signal[c] += w[i] * w[i];
    noise[c] += (dequantized[i] - w[i]) ** 2;
  }
  let worst = Infinity;
  for (let c = 0; c < channels; c++) if (noise[c] > 0) worst = Math.min(worst, 10 * Math.log10(signal[c] / noise[c]));
  return worst;
}

export interface GranularityChoice {
  weights: QuantizedWeights;
  perChannel: boolean;
}

/** Quantizes one layer's weights (`axis` = output channels) at the granularity `setting` asks for. */
export function quantizeLayerWeights(w: Float32Array, dims: readonly number[], axis: number, setting: WeightGranularity): GranularityChoice {
  if (setting !== 'auto') return { weights: quantizeWeights(w, dims, setting ? axis : undefined), perChannel: setting };
  if (w.length / dims[axis] <= AUTO_MAX_WEIGHTS_PER_CHANNEL) {
    const perTensor = quantizeWeights(w, dims, undefined);
    if (worstChannelSqnr(w, perTensor.dequantized, dims, axis) >= AUTO_MIN_SQNR_DB) return { weights: perTensor, perChannel: false };
  }
  return { weights: quantizeWeights(w, dims, axis), perChannel: true };
}
