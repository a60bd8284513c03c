/**
 * McNemar's test for two classifiers on the same samples: only the discordant pairs count
 * (b = A right and B wrong, c = A wrong and B right). Exact binomial test when b + c < 25, chi-square with
 * continuity correction otherwise (the usual rule; both two-sided).
 */
import { chiSquare1Survival } from './distributions';

export interface McNemarResult {
  /** A correct, B wrong. */
  b: number;
  /** A wrong, B correct. */
  c: number;
  method: 'exact' | 'chi-square';
  /** Chi-square statistic (continuity corrected) for 'chi-square'; min(b, c) for 'exact'. */
  statistic: number;
  pValue: number;
}

/** Below this many discordant pairs the exact test is used. */
export const EXACT_BELOW = 25;

/** Two-sided exact binomial p-value of min(b, c) successes in b + c trials with p = 1/2. */
export function exactBinomialTwoSided(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // sum_{i<=k} C(n, i) / 2^n, terms built in log space so large n does not overflow.
  let logTerm = -n * Math.LN2; // log(C(n, 0) / 2^n)
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log((n - i + 1) / i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/** McNemar's test from per-sample correctness of A and B (same samples, same order). */
export function mcnemar(aCorrect: ArrayLike<boolean>, bCorrect: ArrayLike<boolean>): McNemarResult {
  if (aCorrect.length !== bCorrect.length) throw new RangeError(`Expected as many results for B as for A (${aCorrect.length}) but received ${bCorrect.length}`);
  let b = 0;
  let c = 0;
  for (let i = 0; i < aCorrect.length; i++) {
    if (aCorrect[i] && !bCorrect[i]) b++;
    else if (!aCorrect[i] && bCorrect[i]) c++;
  }
  return mcnemarFromCounts(b, c);
}

export function mcnemarFromCounts(b: number, c: number): McNemarResult {
  if (b + c < EXACT_BELOW) return { b, c, method: 'exact', statistic: Math.min(b, c), pValue: exactBinomialTwoSided(b, c) };
  const statistic = (Math.abs(b - c) - 1) ** 2 / (b + c);
  return { b, c, method: 'chi-square', statistic, pValue: chiSquare1Survival(statistic) };
}
