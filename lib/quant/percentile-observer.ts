/** Percentile calibration: clip both tails of the value distribution at a percentile (99.99 by default) read from a histogram. */
import { ActivationObserver, checkObserved } from './activation-observer';
import { GrowingHistogram } from './histogram';
import type { Range } from './quant-params';

export const DEFAULT_PERCENTILE = 99.99;

/**
 * The value below which `fraction` of the histogram's mass lies (linear inside the bin), clamped to [min, max].
 * Exported for tests.
 */
export function histogramQuantile(h: GrowingHistogram, fraction: number): number {
  const total = h.total;
  if (h.binWidth === 0) return h.max;
  const target = fraction * total;
  let cumulative = 0;
  for (let i = 0; i < h.bins; i++) {
    const n = h.counts[i];
    if (n > 0 && cumulative + n >= target) {
      const within = (target - cumulative) / n;
      const v = h.low + (i + within) * h.binWidth;
      return Math.min(h.max, Math.max(h.min, v));
    }
    cumulative += n;
  }
  return h.max;
}

export class PercentileObserver implements ActivationObserver {
  private readonly histogram: GrowingHistogram;

  constructor(
    private readonly percentile = DEFAULT_PERCENTILE,
    bins = 2048,
  ) {
    this.histogram = new GrowingHistogram(bins);
  }

  observe(data: ArrayLike<number>): void {
    this.histogram.add(data);
  }

  range(): Range {
    const h = this.histogram;
    checkObserved(h.total > 0, 'percentile');
    const upper = histogramQuantile(h, this.percentile / 100);
    const lower = histogramQuantile(h, 1 - this.percentile / 100);
    // A tail that lies entirely on one side of 0 keeps its true extreme (ReLU outputs start exactly at 0).
    return { min: h.min >= 0 ? h.min : lower, max: h.max <= 0 ? h.max : upper };
  }
}
