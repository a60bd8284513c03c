/** Statistics behind `sparq ab` and `bench`: McNemar (exact and chi-square) against scipy's values, bootstrap CIs, percentiles. */
import { exactBinomialTwoSided, mcnemar, mcnemarFromCounts } from '../lib/stats/mcnemar';
import { bootstrapDifference, seededRandom } from '../lib/stats/bootstrap';
import { quantile, summarizeLatency } from '../lib/stats/percentiles';
import { chiSquare1Survival } from '../lib/stats/distributions';

describe('McNemar', () => {
  // Reference values: scipy.stats.binomtest(k, n, 0.5).pvalue and chi2.sf(x, 1) (scipy 1.17).
  test('exact two-sided binomial p-values', () => {
    expect(exactBinomialTwoSided(1, 9)).toBeCloseTo(0.021484375, 12);
    expect(exactBinomialTwoSided(3, 17)).toBeCloseTo(0.0025768280029296875, 12);
    expect(exactBinomialTwoSided(5, 5)).toBe(1);
    expect(exactBinomialTwoSided(0, 0)).toBe(1);
  });

  test('chi-square with continuity correction from 25 discordant pairs on', () => {
    const r = mcnemarFromCounts(10, 30);
    expect(r.method).toBe('chi-square');
    expect(r.statistic).toBeCloseTo(361 / 40, 12);
    expect(r.pValue).toBeCloseTo(0.002663119259138558, 7);
    expect(mcnemarFromCounts(40, 60).pValue).toBeCloseTo(0.05743311963200335, 7);
    expect(mcnemarFromCounts(13, 12).method).toBe('chi-square');
    expect(mcnemarFromCounts(13, 12).pValue).toBe(1); // (|13 - 12| - 1)^2 = 0
    expect(mcnemarFromCounts(20, 10).pValue).toBeCloseTo(chiSquare1Survival(81 / 30), 12);
    expect(chiSquare1Survival(3.841458820694124)).toBeCloseTo(0.05, 7);
    expect(mcnemarFromCounts(3, 17).method).toBe('exact');
  });

  test('counts discordant pairs from per-sample correctness', () => {
    const a = [true, true, false, false, true, false];
    const b = [true, false, true, false, false, true];
    const r = mcnemar(a, b);
    expect([r.b, r.c]).toEqual([2, 2]);
    expect(r.pValue).toBe(1);
    expect(() => mcnemar([true], [true, false])).toThrow('Expected as many results for B as for A (1) but received 2');
  });
});

describe('bootstrap', () => {
  function normal(random: () => number, mean: number, sd: number, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    return out;
  }

  test('a real shift of the median is inside a CI that excludes 0; the same seed gives the same interval', () => {
    const r = seededRandom(42);
    const a = normal(r, 10, 1, 300);
    const b = normal(r, 9, 1, 300);
    const ci = bootstrapDifference(a, b, { seed: 3, resamples: 500 });
    expect(ci.low).toBeLessThan(-1 + 0.3);
    expect(ci.high).toBeGreaterThan(-1 - 0.3);
    expect(ci.high).toBeLessThan(0);
    expect(ci.low).toBeLessThanOrEqual(ci.estimate);
    expect(ci.estimate).toBeLessThanOrEqual(ci.high);
    expect(bootstrapDifference(a, b, { seed: 3, resamples: 500 })).toEqual(ci);
  });

  test('samples from one distribution: the 95% CI contains 0 in about 95% of repetitions', () => {
    const r = seededRandom(7);
    let covered = 0;
    const reps = 40;
    for (let k = 0; k < reps; k++) {
      const ci = bootstrapDifference(normal(r, 5, 1, 60), normal(r, 5, 1, 60), { resamples: 300, seed: k + 1 });
      if (ci.low <= 0 && ci.high >= 0) covered++;
    }
    expect(covered / reps).toBeGreaterThan(0.85);
  });
});

describe('percentiles', () => {
  test('linear interpolation as numpy', () => {
    // numpy.percentile([1..10], [50, 90, 99]) = 5.5, 9.1, 9.91
    const v = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(quantile(v, 0.5)).toBeCloseTo(5.5, 12);
    const s = summarizeLatency(v);
    expect(s.p90).toBeCloseTo(9.1, 12);
    expect(s.p99).toBeCloseTo(9.91, 12);
    expect([s.min, s.max, s.mean, s.runs]).toEqual([1, 10, 5.5, 10]);
  });
});
