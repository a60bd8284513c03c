/**
 * MSE calibration: the clipping range [a, b] (0 inside) whose u8 quantization has the smallest expected squared error
 * over the observed distribution: rounding noise s²/12 for values inside, squared distance to the bound for clipped ones.
 */
import { ActivationObserver, checkObserved } from './activation-observer';
import { GrowingHistogram } from './histogram';
import type { Range } from './quant-params';

/** Candidates per side: each bound is tried at k/STEPS of the observed extreme. */
const STEPS = 256;

/** Prefix sums over bins of n, n·c and n·c² (c = bin center), to price any clipping range in O(1). */
class MomentSums {
  readonly n: Float64Array;
  readonly nc: Float64Array;
  readonly ncc: Float64Array;

  constructor(private readonly h: GrowingHistogram) {
    const bins = h.bins;
    this.n = new Float64Array(bins + 1);
    this.nc = new Float64Array(bins + 1);
    this.ncc = new Float64Array(bins + 1);
    for (let i = 0; i < bins; i++) {
      const c = h.low + (i + 0.5) * h.binWidth;
      const k = h.counts[i];
      this.n[i + 1] = this.n[i] + k;
      this.nc[i + 1] = this.nc[i] + k * c;
      this.ncc[i + 1] = this.ncc[i] + k * c * c;
    }
  }

  /** Number of bins whose center is below v. */
  binsBelow(v: number): number {
    const i = Math.ceil((v - this.h.low) / this.h.binWidth - 0.5);
    return Math.min(this.h.bins, Math.max(0, i));
  }

  /** Σ n·(c - t)² over bins [from, to). */
  squaredDistance(from: number, to: number, t: number): number {
    const n = this.n[to] - this.n[from];
    const nc = this.nc[to] - this.nc[from];
    const ncc = this.ncc[to] - this.ncc[from];
    return Math.max(0, ncc - 2 * t * nc + t * t * n);
  }

  /** Expected squared error of quantizing with u8 over [a, b]. */
  error(a: number, b: number): number {
    const bins = this.h.bins;
    const below = this.binsBelow(a);
    const notAbove = this.binsBelow(b);
    const s = (b - a) / 255;
    const inside = this.n[notAbove] - this.n[below];
    return this.squaredDistance(0, below, a) + inside * ((s * s) / 12) + this.squaredDistance(notAbove, bins, b);
  }
}

/** The minimum-error range for a histogram (bounds searched on a grid of STEPS per side). Exported for tests. */
export function mseRange(h: GrowingHistogram): Range {
  if (h.binWidth === 0) return { min: h.min, max: h.max };
  const sums = new MomentSums(h);
  const lowEnd = Math.min(0, h.min);
  const highEnd = Math.max(0, h.max);
  const lows = lowEnd < 0 ? STEPS : 0;
  const highs = highEnd > 0 ? STEPS : 0;
  let best = { min: lowEnd, max: highEnd };
  let bestError = Infinity;
  for (let i = lows === 0 ? 0 : 1; i <= lows; i++) {
    const a = lows === 0 ? 0 : (lowEnd * i) / lows;
    for (let j = highs === 0 ? 0 : 1; j <= highs; j++) {
      const b = highs === 0 ? 0 : (highEnd * j) / highs;
      if (!(b > a)) continue;
      const e = sums.error(a, b);
      if (e < bestError) {
        bestError = e;
        best = { min: a, max: b };
      }
    }
  }
  return best;
}

export class MseObserver implements ActivationObserver {
  private readonly histogram: GrowingHistogram;

  constructor(bins = 2048) {
    this.histogram = new GrowingHistogram(bins);
  }

  observe(data: ArrayLike<number>): void {
    this.histogram.add(data);
  }

  range(): Range {
    checkObserved(this.histogram.total > 0, 'MSE');
    return mseRange(this.histogram);
  }
}
