/** Per-layer weight granularity ('auto'): per tensor only where per-channel scales are costly (<= 16 weights a channel) and every channel keeps >= 30 dB on the shared grid; SQNR checked against an independent computation. */
import { AUTO_MIN_SQNR_DB, quantizeLayerWeights, worstChannelSqnr } from '../lib/quant/weight-granularity';
import { randomFloats } from './support/graph-builder';

/** Per-channel SQNRs of [channels, k] weights on one symmetric int8 grid (scale = max|w| / 127), from scratch. */
function perTensorChannelSqnrs(w: Float32Array, channels: number): number[] {
  const scale = Math.fround(Math.max(...Array.from(w, Math.abs)) / 127);
  const k = w.length / channels;
  const out: number[] = [];
  for (let c = 0; c < channels; c++) {
    let signal = 0;
    let noise = 0;
    for (const v of w.subarray(c * k, (c + 1) * k)) {
      const q = Math.max(-127, Math.min(127, Math.round(v / scale)));
      signal += v * v;
      noise += (q * scale - v) ** 2;
    }
    out.push(10 * Math.log10(signal / noise));
  }
  return out;
}

/** [channels, 1, 3, 3] weights, channel c scaled by factor(c). */
function depthwise(channels: number, factor: (c: number) => number): Float32Array {
  return randomFloats(channels * 9, 3, -1, 1).map((v, i) => v * factor(Math.floor(i / 9)));
}

describe('quantizeLayerWeights', () => {
  test('auto: a depthwise 3x3 layer with even channel ranges goes per tensor', () => {
    const w = depthwise(16, (c) => 1 + (c % 3) * 0.2);
    const worst = Math.min(...perTensorChannelSqnrs(w, 16));
    expect(worst).toBeGreaterThanOrEqual(AUTO_MIN_SQNR_DB);
    const choice = quantizeLayerWeights(w, [16, 1, 3, 3], 0, 'auto');
    expect(choice.perChannel).toBe(false);
    expect(choice.weights.scales.length).toBe(1);
    expect(worstChannelSqnr(w, choice.weights.dequantized, [16, 1, 3, 3], 0)).toBeCloseTo(worst, 4);
  });

  test('auto: one channel 100x smaller than the rest keeps per-channel scales, though the layer SQNR hardly moves', () => {
    const w = depthwise(16, (c) => (c === 5 ? 0.01 : 1));
    const sqnrs = perTensorChannelSqnrs(w, 16);
    expect(sqnrs[5]).toBeLessThan(AUTO_MIN_SQNR_DB);
    expect(Math.min(...sqnrs.filter((_, c) => c !== 5))).toBeGreaterThanOrEqual(AUTO_MIN_SQNR_DB);
    const choice = quantizeLayerWeights(w, [16, 1, 3, 3], 0, 'auto');
    expect(choice.perChannel).toBe(true);
    expect(choice.weights.scales.length).toBe(16);
  });

  test('auto: layers with more than 16 weights a channel stay per channel even when per tensor would do', () => {
    const w = randomFloats(8 * 4 * 3 * 3, 5, -1, 1);
    expect(Math.min(...perTensorChannelSqnrs(w, 8))).toBeGreaterThanOrEqual(AUTO_MIN_SQNR_DB);
    expect(quantizeLayerWeights(w, [8, 4, 3, 3], 0, 'auto').perChannel).toBe(true);
    // Gemm weights [K, N] with output channels on axis 1: K weights a channel.
    expect(quantizeLayerWeights(randomFloats(17 * 4, 6), [17, 4], 1, 'auto').perChannel).toBe(true);
    expect(quantizeLayerWeights(randomFloats(16 * 4, 6), [16, 4], 1, 'auto').perChannel).toBe(false);
  });

  test('true and false are obeyed whatever the layer', () => {
    expect(quantizeLayerWeights(depthwise(16, () => 1), [16, 1, 3, 3], 0, true).weights.scales.length).toBe(16);
    expect(quantizeLayerWeights(depthwise(16, (c) => 10 ** (c / 5)), [16, 1, 3, 3], 0, false).weights.scales.length).toBe(1);
  });
});
