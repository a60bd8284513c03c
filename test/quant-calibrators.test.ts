/** Observers and calibrators (lib/quant) against values computed independently here: exact quantiles, brute-force KL and MSE searches, hand-computed parameters. */
import { EntropyObserver, entropyThresholdBins } from '../lib/quant/entropy-observer';
import { GrowingHistogram } from '../lib/quant/histogram';
import { MinMaxObserver } from '../lib/quant/minmax-observer';
import { MseObserver } from '../lib/quant/mse-observer';
import { PercentileObserver } from '../lib/quant/percentile-observer';
import { activationParams, biasScales, fakeQuantize, quantizeBias, quantizeWeights, roundHalfEven } from '../lib/quant/quant-params';
import { createObserver } from '../lib/quant/calibration-methods';
import { rng } from './support/onnx-models';

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

function laplace(next: () => number): number {
  const u = next() - 0.5;
  return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}

/** Splits data into chunks, as samples arrive. */
function chunks(data: Float32Array, size: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

describe('quantization parameters', () => {
  test('round half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3, -3]);
  });

  test('u8 parameters: range widened to 0, zero point = rounded image of 0', () => {
    expect(activationParams({ min: 0, max: 6 })).toEqual({ scale: Math.fround(6 / 255), zeroPoint: 0 });
    // [-1, 3]: scale 4/255, zero point round(1 / (4/255)) = round(63.75) = 64.
    const p = activationParams({ min: -1, max: 3 });
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(64);
    // A range above 0 still starts at 0; one below 0 ends at 0 (zero point 255).
    expect(activationParams({ min: 2, max: 5.1 })).toEqual({ scale: Math.fround(5.1 / 255), zeroPoint: 0 });
    expect(activationParams({ min: -2, max: -1 }).zeroPoint).toBe(255);
    expect(activationParams({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
    // 0 is exact after quantize-dequantize.
    expect(fakeQuantize(0, p)).toBe(0);
    expect(fakeQuantize(100, p)).toBeCloseTo((255 - 64) * p.scale, 6);
  });

  test('symmetric int8 weights per output channel and per tensor', () => {
    // W [2, 3]: channel 0 max |w| = 2.54 -> scale 0.02; channel 1 max = 0.127 -> scale 0.001.
    const w = Float32Array.of(2.54, -1.27, 0.01, 0.127, -0.0635, 0.0005);
    const q = quantizeWeights(w, [2, 3], 0);
    expect(Array.from(q.scales)).toEqual([Math.fround(2.54 / 127), Math.fround(0.127 / 127)]);
    expect(Array.from(q.data)).toEqual([127, -64, 0, 127, -64, 0].map((v, i) => (i === 1 ? roundHalfEven(-1.27 / q.scales[0]) : i === 4 ? roundHalfEven(-0.0635 / q.scales[1]) : v)));
    expect(q.data[1]).toBe(-64); // -63.5 -> -64 (ties to even)
    const t = quantizeWeights(w, [2, 3], undefined);
    expect(t.scales.length).toBe(1);
    expect(Array.from(t.data)).toEqual([127, -64, 0, 6, -3, 0]);
    // Axis 1 of a [K, N] matrix: columns are channels.
    const cols = quantizeWeights(Float32Array.of(1, 10, -2, 5), [2, 2], 1);
    expect(Array.from(cols.scales)).toEqual([Math.fround(2 / 127), Math.fround(10 / 127)]);
    expect(Array.from(cols.data)).toEqual([64, 127, -127, 64]);
    // All-zero channels get scale 1 (scales must be > 0).
    expect(Array.from(quantizeWeights(new Float32Array(4), [2, 2], 0).scales)).toEqual([1, 1]);
  });

  test('int32 bias in units of x_scale * w_scale', () => {
    const scales = biasScales(0.5, Float32Array.of(0.1, 0.2), 2);
    expect(Array.from(scales)).toEqual([Math.fround(Math.fround(0.5) * Math.fround(0.1)), Math.fround(Math.fround(0.5) * Math.fround(0.2))]);
    expect(Array.from(quantizeBias(Float32Array.of(1, -1), scales))).toEqual([20, -10]);
  });
});

describe('growing histogram', () => {
  test('doubling keeps exactly the counts of a histogram made at the final range', () => {
    const next = rng(1);
    const data = new Float32Array(4000);
    // Small values first, then wider ones on both sides, so the range grows several times in both directions.
    for (let i = 0; i < data.length; i++) data[i] = gaussian(next) * (i < 5000 ? 0.1 : i < 12000 ? 1 : 4) + (i > 15000 ? 3 : 0);
    const h = new GrowingHistogram(64);
    for (const c of chunks(data, 1000)) h.add(c);
    expect(h.min).toBe(data.reduce((a, b) => Math.min(a, b)));
    expect(h.max).toBe(data.reduce((a, b) => Math.max(a, b)));
    expect(h.low).toBeLessThanOrEqual(h.min);
    expect(h.high).toBeGreaterThanOrEqual(h.max);
    // Values within rounding of a bin edge may land on either side of it; every other value must match exactly.
    const direct = new Float64Array(64);
    let nearEdge = 0;
    for (const v of data) {
      const position = (v - h.low) / h.binWidth;
      if (Math.abs(position - Math.round(position)) < 1e-6) nearEdge++;
      direct[Math.min(63, Math.floor(position))]++;
    }
    const moved = Array.from(h.counts).reduce((a, c, i) => a + Math.abs(c - direct[i]), 0);
    expect(moved).toBeLessThanOrEqual(2 * nearEdge);
    expect(h.total).toBe(data.length);
  });

  test('anchored at zero it grows upward only', () => {
    const h = new GrowingHistogram(8, true);
    h.add([0, 1, 2]);
    h.add([7.5]);
    expect(h.low).toBe(0);
    expect(h.binWidth).toBe(1);
    // [0, 2] in 8 bins of 0.25 (2 is the top edge, so it sits in the last bin [1.75, 2]); two doublings make
    // bins of 1: {0} | {1, 2} | ... | {7.5}.
    expect(Array.from(h.counts)).toEqual([1, 2, 0, 0, 0, 0, 0, 1]);
    expect(h.total).toBe(4);
  });
});

describe('observers', () => {
  test('min-max: global extremes, or a moving average of per-sample extremes', () => {
    const o = new MinMaxObserver();
    o.observe([1, -2, 3]);
    o.observe([0.5, 7]);
    expect(o.range()).toEqual({ min: -2, max: 7 });
    const m = new MinMaxObserver(0.5);
    m.observe([-2, 4]);
    m.observe([0, 8]); // min = -2 + 0.5 * (0 + 2) = -1, max = 4 + 0.5 * 4 = 6
    m.observe([-5, 6]); // min = -1 + 0.5 * (-4) = -3, max = 6
    expect(m.range()).toEqual({ min: -3, max: 6 });
    expect(() => new MinMaxObserver().range()).toThrow(RangeError);
  });

  test('percentile: both tails cut at the exact quantiles (within one bin)', () => {
    const next = rng(2);
    const data = new Float32Array(100000);
    for (let i = 0; i < data.length; i++) data[i] = gaussian(next);
    const o = new PercentileObserver(99.9);
    for (const c of chunks(data, 5000)) o.observe(c);
    const sorted = Float64Array.from(data).sort();
    const upper = sorted[Math.ceil(0.999 * sorted.length) - 1];
    const lower = sorted[Math.floor(0.001 * sorted.length)];
    const bin = (sorted[sorted.length - 1] - sorted[0]) / 2048;
    const r = o.range();
    expect(Math.abs(r.max - upper)).toBeLessThanOrEqual(2 * bin);
    expect(Math.abs(r.min - lower)).toBeLessThanOrEqual(2 * bin);
    // Non-negative data keeps its floor.
    const relu = new PercentileObserver();
    relu.observe(Array.from(data, (v) => Math.max(0, v)));
    expect(relu.range().min).toBe(0);
  });

  /** The TensorRT entropy search written out plainly, with its own loops, for a histogram of `bins` bins. */
  function bruteForceEntropy(counts: number[], levels: number): number {
    const kl = (p: number[], q: number[]) => {
      const sp = p.reduce((a, b) => a + b, 0);
      const sq = q.reduce((a, b) => a + b, 0);
      let d = 0;
      p.forEach((pi, j) => {
        if (pi > 0) d += (pi / sp) * Math.log(pi / sp / (q[j] / sq));
      });
      return d;
    };
    const smooth = (v: number[]) => {
      const zeros = v.filter((x) => x === 0).length;
      const nz = v.length - zeros;
      if (zeros === 0 || nz === 0) return v;
      return v.map((x) => (x === 0 ? 1e-4 : x - (1e-4 * zeros) / nz));
    };
    let best = -1;
    let bestD = Infinity;
    for (let i = levels; i <= counts.length; i++) {
      const p = counts.slice(0, i);
      p[i - 1] += counts.slice(i).reduce((a, b) => a + b, 0);
      const group = Math.floor(i / levels);
      const q = new Array<number>(i).fill(0);
      for (let l = 0; l < levels; l++) {
        const idx = [];
        for (let j = l * group; j < (l === levels - 1 ? i : (l + 1) * group); j++) idx.push(j);
        const mass = idx.reduce((a, j) => a + counts[j], 0);
        const nz = idx.filter((j) => p[j] !== 0);
        for (const j of nz) q[j] = mass / nz.length;
      }
      const d = kl(smooth(p), smooth(q));
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  test('entropy: the KL-minimizing threshold of a brute-force search', () => {
    const next = rng(3);
    for (const [levels, bins] of [
      [16, 256],
      [8, 128],
    ]) {
      const h = new GrowingHistogram(bins, true);
      const data: number[] = [];
      for (let i = 0; i < 50000; i++) data.push(Math.abs(laplace(next)));
      data.push(40, 41); // far outliers: the best threshold clips them
      h.add(data);
      const counts = Array.from(h.counts);
      const expectedBins = bruteForceEntropy(counts, levels);
      expect(entropyThresholdBins(h.counts, levels)).toBe(expectedBins);
      expect(expectedBins).toBeLessThan(bins);
    }
    // The observer: Gaussian with a far outlier → threshold well inside the range, symmetric for signed data.
    const o = new EntropyObserver();
    const data = new Float32Array(100000);
    for (let i = 0; i < data.length; i++) data[i] = gaussian(next);
    data[0] = 60;
    o.observe(data);
    const r = o.range();
    expect(r.max).toBeGreaterThan(2.5);
    expect(r.max).toBeLessThan(20);
    expect(r.min).toBeCloseTo(Math.max(-r.max, data.reduce((a, b) => Math.min(a, b))), 6);
  });

  test('MSE: its range quantizes the real samples within 5% of the best range of a brute-force search', () => {
    const next = rng(4);
    const data = new Float32Array(4000);
    for (let i = 0; i < data.length; i++) data[i] = laplace(next) + (i % 3 === 0 ? 0 : 0.5);
    const o = new MseObserver();
    for (const c of chunks(data, 500)) o.observe(c);
    const actualMse = (min: number, max: number) => {
      const p = activationParams({ min, max });
      let e = 0;
      for (let k = 0; k < data.length; k++) e += (data[k] - fakeQuantize(data[k], p)) ** 2;
      return e / data.length;
    };
    const lo = data.reduce((a, b) => Math.min(a, b));
    const hi = data.reduce((a, b) => Math.max(a, b));
    let best = Infinity;
    for (let i = 1; i <= 24; i++) for (let j = 1; j <= 24; j++) best = Math.min(best, actualMse((lo * i) / 24, (hi * j) / 24));
    const r = o.range();
    expect(actualMse(r.min, r.max)).toBeLessThanOrEqual(best * 1.05);
    expect(r.min).toBeGreaterThanOrEqual(lo);
    expect(r.max).toBeLessThanOrEqual(hi);
  });

  test('createObserver makes each method', () => {
    expect(createObserver('minmax')).toBeInstanceOf(MinMaxObserver);
    expect(createObserver('percentile')).toBeInstanceOf(PercentileObserver);
    expect(createObserver('entropy')).toBeInstanceOf(EntropyObserver);
    expect(createObserver('mse')).toBeInstanceOf(MseObserver);
  });
});
