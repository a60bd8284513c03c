/** What every calibrator implements: sees each sample's values of one tensor, then proposes the range to quantize. */
import type { Range } from './quant-params';

export interface ActivationObserver {
  /** Called once per calibration sample with all values of the tensor. */
  observe(data: ArrayLike<number>): void;
  /** The chosen clipping range (before widening to include 0). @throws RangeError when nothing was observed. */
  range(): Range;
}

/** @throws RangeError when an observer is asked for a range before it saw any value. */
export function checkObserved(seen: boolean, what: string): void {
  if (!seen) throw new RangeError(`Expected at least one observed value for the ${what} observer but received none`);
}

/** Smallest and largest value of a non-empty array. */
export function valueRange(data: ArrayLike<number>): Range {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
