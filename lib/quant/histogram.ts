/**
 * A fixed-bin-count histogram whose range grows by doubling as data arrives, so one streaming pass over calibration
 * data suffices: doubling merges bins pairwise, which is exact (no re-interpolation of counts).
 */

import { valueRange } from './activation-observer';

export class GrowingHistogram {
  readonly counts: Float64Array;
  /** Lower edge of bin 0 and width of one bin; undefined until the first non-degenerate data. */
  private lo = 0;
  private width = 0;
  /** Values seen before the range is known (all equal so far). */
  private pendingValue = 0;
  private pendingCount = 0;
  /** Smallest and largest values seen. */
  min = Infinity;
  max = -Infinity;

  /**
   * @param bins bin count (even).
   * @param anchoredAtZero the range always starts at 0 and grows upward only (for histograms of |x|).
   */
  constructor(
    readonly bins: number,
    private readonly anchoredAtZero = false,
  ) {
    if (!(bins >= 2 && bins % 2 === 0)) throw new RangeError(`Expected an even bin count >= 2 for a histogram but received ${bins}`);
    this.counts = new Float64Array(bins);
  }

  /** Lower edge of the histogram range. */
  get low(): number {
    return this.lo;
  }

  /** Width of one bin (0 while all values seen are equal). */
  get binWidth(): number {
    return this.width;
  }

  /** Upper edge of the histogram range. */
  get high(): number {
    return this.lo + this.width * this.bins;
  }

  /** Total count. */
  get total(): number {
    let t = this.pendingCount;
    for (let i = 0; i < this.bins; i++) t += this.counts[i];
    return t;
  }

  add(data: ArrayLike<number>): void {
    if (data.length === 0) return;
    const { min: lo, max: hi } = valueRange(data);
    if (lo < this.min) this.min = lo;
    if (hi > this.max) this.max = hi;
    if (this.width === 0) {
      const start = this.anchoredAtZero ? 0 : this.min;
      if (this.max > start) {
        // First spread: the range becomes exactly [start, max] (max itself lands in the last bin).
        this.lo = start;
        this.width = (this.max - start) / this.bins;
        const pending = this.pendingCount;
        this.pendingCount = 0;
        if (pending > 0) this.counts[this.binOf(this.pendingValue)] += pending;
      } else {
        this.pendingValue = hi;
        this.pendingCount += data.length;
        return;
      }
    }
    this.cover(lo, hi);
    const inv = 1 / this.width;
    const last = this.bins - 1;
    for (let i = 0; i < data.length; i++) {
      const b = Math.floor((data[i] - this.lo) * inv);
      this.counts[b < 0 ? 0 : b > last ? last : b]++;
    }
  }

  private binOf(v: number): number {
    const b = Math.floor((v - this.lo) / this.width);
    return Math.min(this.bins - 1, Math.max(0, b));
  }

  /** Doubles the range (merging bin pairs) until [lo, hi] fits. */
  private cover(lo: number, hi: number): void {
    const n = this.bins;
    while (lo < this.lo || hi > this.lo + this.width * n) {
      const merged = new Float64Array(n);
      if (lo < this.lo && !this.anchoredAtZero) {
        // Grow downward: old bins land in the upper half.
        for (let j = 0; j < n; j++) merged[(n + j) >> 1] += this.counts[j];
        this.lo -= this.width * n;
      } else {
        for (let j = 0; j < n; j++) merged[j >> 1] += this.counts[j];
      }
      this.width *= 2;
      this.counts.set(merged);
    }
  }
}
