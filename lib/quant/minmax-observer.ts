/** Min-max calibration: the range of everything seen, or (with a momentum) an exponential moving average of per-sample extremes. */
import { ActivationObserver, checkObserved, valueRange } from './activation-observer';
import type { Range } from './quant-params';

export class MinMaxObserver implements ActivationObserver {
  private min = Infinity;
  private max = -Infinity;
  private seen = false;

  /**
   * @param averagingConstant when given (0 < c <= 1), min/max follow min += c * (sampleMin - min) after the first
   *   sample, as in TensorFlow's / PyTorch's moving-average observers; outliers of single samples then weigh less.
   */
  constructor(private readonly averagingConstant?: number) {}

  observe(data: ArrayLike<number>): void {
    if (data.length === 0) return;
    const { min: lo, max: hi } = valueRange(data);
    const c = this.averagingConstant;
    if (!this.seen || c === undefined) {
      this.min = this.seen ? Math.min(this.min, lo) : lo;
      this.max = this.seen ? Math.max(this.max, hi) : hi;
    } else {
      this.min += c * (lo - this.min);
      this.max += c * (hi - this.max);
    }
    this.seen = true;
  }

  range(): Range {
    checkObserved(this.seen, 'min-max');
    return { min: this.min, max: this.max };
  }
}
