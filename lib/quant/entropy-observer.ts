/**
 * Entropy calibration (TensorRT's method): a 2048-bin histogram of |x|; for every candidate threshold of i >= 128 bins,
 * the reference distribution P (tail folded into the last bin) is compared with its 128-level quantization Q, and the
 * threshold with the smallest KL(P || Q) wins.
 */
import { ActivationObserver, checkObserved } from './activation-observer';
import { GrowingHistogram } from './histogram';
import type { Range } from './quant-params';

/** Replaces zeros by eps, taking the mass from the non-zero entries, so KL stays finite (MXNet's smoothing). */
function smooth(p: Float64Array, eps = 1e-4): void {
  let zeros = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === 0) zeros++;
  const nonZeros = p.length - zeros;
  if (zeros === 0 || nonZeros === 0) return;
  const take = (eps * zeros) / nonZeros;
  for (let i = 0; i < p.length; i++) p[i] = p[i] === 0 ? eps : p[i] - take;
}

/** KL(P || Q) of two unnormalized non-negative vectors over the entries where P > 0. */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) return Infinity;
  let kl = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] <= 0) continue;
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    kl += qi > 0 ? pi * Math.log(pi / qi) : Infinity;
  }
  return kl;
}

/**
 * The KL divergence between the reference distribution of the first `i` bins (tail added to bin i-1) and its
 * `levels`-level quantization expanded back over P's non-zero bins. Exported for tests.
 */
export function thresholdDivergence(counts: ArrayLike<number>, i: number, levels: number): number {
  const p = new Float64Array(i);
  for (let j = 0; j < i; j++) p[j] = counts[j];
  let tail = 0;
  for (let j = i; j < counts.length; j++) tail += counts[j];
  p[i - 1] += tail;
  const merged = Math.floor(i / levels);
  const q = new Float64Array(i);
  for (let level = 0; level < levels; level++) {
    const start = level * merged;
    const stop = level === levels - 1 ? i : start + merged;
    let sum = 0;
    let nonZero = 0;
    for (let j = start; j < stop; j++) {
      sum += counts[j];
      if (p[j] !== 0) nonZero++;
    }
    if (nonZero === 0) continue;
    for (let j = start; j < stop; j++) if (p[j] !== 0) q[j] = sum / nonZero;
  }
  smooth(p);
  smooth(q);
  return klDivergence(p, q);
}

/** The bin count i in [levels, bins] with the smallest divergence (the first on ties). Exported for tests. */
export function entropyThresholdBins(counts: ArrayLike<number>, levels = 128): number {
  let best = counts.length;
  let bestKl = Infinity;
  for (let i = levels; i <= counts.length; i++) {
    const kl = thresholdDivergence(counts, i, levels);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

export class EntropyObserver implements ActivationObserver {
  private readonly histogram: GrowingHistogram;
  private min = Infinity;
  private max = -Infinity;
  private abs: Float32Array = new Float32Array(0);

  constructor(
    private readonly levels = 128,
    bins = 2048,
  ) {
    this.histogram = new GrowingHistogram(bins, true);
  }

  observe(data: ArrayLike<number>): void {
    if (this.abs.length < data.length) this.abs = new Float32Array(data.length);
    const abs = this.abs.length === data.length ? this.abs : this.abs.subarray(0, data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      abs[i] = v < 0 ? -v : v;
    }
    this.histogram.add(abs);
  }

  range(): Range {
    const h = this.histogram;
    checkObserved(h.total > 0, 'entropy');
    if (h.binWidth === 0) return { min: this.min, max: this.max };
    const i = entropyThresholdBins(h.counts, this.levels);
    const threshold = Math.min((i + 0.5) * h.binWidth, h.max);
    return { min: Math.max(this.min, -threshold), max: Math.min(this.max, threshold) };
  }
}
