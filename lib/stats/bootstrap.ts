/** Percentile bootstrap confidence intervals for the difference of a statistic between two independent samples. */
import { median, quantileSorted } from './percentiles';

export interface BootstrapInterval {
  /** statistic(b) - statistic(a) on the full samples. */
  estimate: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
}

export interface BootstrapOptions {
  /** Default 0.95. */
  confidence?: number;
  /** Default 2000. */
  resamples?: number;
  /** Default: median. */
  statistic?: (values: Float64Array) => number;
  /** PRNG seed, so a report can be reproduced (default 1). */
  seed?: number;
}

/** Mulberry32: small, fast, good enough for resampling. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resample(values: ArrayLike<number>, random: () => number, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = values[Math.floor(random() * values.length)];
  return out;
}

/** CI of statistic(b) - statistic(a), resampling each sample independently. */
export function bootstrapDifference(a: ArrayLike<number>, b: ArrayLike<number>, options: BootstrapOptions = {}): BootstrapInterval {
  if (a.length === 0 || b.length === 0) throw new RangeError('Expected two non-empty samples for the bootstrap but received an empty one');
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const statistic = options.statistic ?? median;
  const random = seededRandom(options.seed ?? 1);
  const bufA = new Float64Array(a.length);
  const bufB = new Float64Array(b.length);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) diffs[r] = statistic(resample(b, random, bufB)) - statistic(resample(a, random, bufA));
  diffs.sort();
  const alpha = (1 - confidence) / 2;
  return {
    estimate: statistic(Float64Array.from(b)) - statistic(Float64Array.from(a)),
    low: quantileSorted(diffs, alpha),
    high: quantileSorted(diffs, 1 - alpha),
    confidence,
    resamples,
  };
}
