/**
 * Accuracy against compute of adaptive resolution over thresholds: every sample runs once at every size, then the
 * acceptance rule is replayed per threshold on the recorded confidences (the choice depends only on them).
 */
import { Tensor } from '../tensor';
import { AdaptiveResolution, checkThreshold, topSoftmax } from './adaptive-resolution';

/** Per size (outer) and sample (inner): top-1 label, its softmax probability, and ms of the run (resize included). */
export interface ResolutionProfile {
  labels: Int32Array[];
  confidences: Float64Array[];
  ms: Float64Array[];
}

export interface SweepRow {
  /** 'adaptive' rows take the first confident size; 'fixed' rows always run one size. */
  kind: 'adaptive' | 'fixed';
  /** Adaptive rows: the threshold. */
  threshold?: number;
  /** Fixed rows: the size run. */
  resolution?: string;
  accuracy: number;
  averageMacs: number;
  /** 1 - averageMacs / MACs at full resolution. */
  macSaving: number;
  /** Mean over samples of the summed measured ms of the sizes run (no timing of its own). */
  estimatedMs: number;
  /** Share of samples decided at each size, in sizes order. */
  shares: number[];
}

/** Thresholds swept when none are given. */
export const DEFAULT_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999];

/** Runs every image (one sample each, dims [C, H, W]) at every size of `adaptive`. */
export async function profileResolutions(adaptive: AdaptiveResolution, samples: readonly Float32Array[], dims: readonly number[], onSample?: (done: number) => void): Promise<ResolutionProfile> {
  const n = samples.length;
  const profile: ResolutionProfile = {
    labels: adaptive.sizes.map(() => new Int32Array(n)),
    confidences: adaptive.sizes.map(() => new Float64Array(n)),
    ms: adaptive.sizes.map(() => new Float64Array(n)),
  };
  if (n > 0) for (let s = 0; s < adaptive.sizes.length; s++) await adaptive.scoresAt(new Tensor('float32', samples[0], [1, ...dims]), s); // compiles each plan outside the timings
  for (let i = 0; i < n; i++) {
    const image = new Tensor('float32', samples[i], [1, ...dims]);
    for (let s = 0; s < adaptive.sizes.length; s++) {
      const t0 = performance.now();
      const top = topSoftmax(await adaptive.scoresAt(image, s));
      profile.ms[s][i] = performance.now() - t0;
      profile.labels[s][i] = top.label;
      profile.confidences[s][i] = top.confidence;
    }
    onSample?.(i + 1);
  }
  return profile;
}

/** The size index the rule picks for sample i: the first whose confidence reaches the threshold, else the last. */
export function decide(profile: ResolutionProfile, i: number, threshold: number): number {
  const last = profile.confidences.length - 1;
  for (let s = 0; s < last; s++) if (profile.confidences[s][i] >= threshold) return s;
  return last;
}

function row(profile: ResolutionProfile, macsPerSize: readonly number[], labels: readonly number[], pick: (i: number) => number, tries: (chosen: number) => number[]): Omit<SweepRow, 'kind'> {
  const n = labels.length;
  const shares = macsPerSize.map(() => 0);
  let correct = 0;
  let macs = 0;
  let ms = 0;
  for (let i = 0; i < n; i++) {
    const s = pick(i);
    shares[s] += 1 / n;
    if (profile.labels[s][i] === labels[i]) correct++;
    for (const t of tries(s)) {
      macs += macsPerSize[t];
      ms += profile.ms[t][i];
    }
  }
  const full = macsPerSize[macsPerSize.length - 1];
  return { accuracy: (100 * correct) / n, averageMacs: macs / n, macSaving: 1 - macs / n / full, estimatedMs: ms / n, shares };
}

/** One row per size run alone, then one per threshold. */
export function sweepThresholds(profile: ResolutionProfile, macsPerSize: readonly number[], resolutions: readonly string[], labels: readonly number[], thresholds: readonly number[] = DEFAULT_THRESHOLDS): SweepRow[] {
  if (labels.length !== profile.labels[0].length || labels.length === 0) throw new RangeError(`Expected one label per profiled sample (${profile.labels[0].length}) but received ${labels.length}`);
  const rows: SweepRow[] = resolutions.map((resolution, s) => ({ kind: 'fixed', resolution, ...row(profile, macsPerSize, labels, () => s, () => [s]) }));
  for (const t of thresholds) {
    checkThreshold(t, 'thresholds[]');
    rows.push({ kind: 'adaptive', threshold: t, ...row(profile, macsPerSize, labels, (i) => decide(profile, i, t), (s) => Array.from({ length: s + 1 }, (_, k) => k)) });
  }
  return rows;
}

/** The adaptive row with the fewest average MACs, below full resolution's, whose accuracy is within maxDrop points of it. */
export function chooseThreshold(rows: readonly SweepRow[], maxDrop: number): SweepRow | undefined {
  const fixed = rows.filter((r) => r.kind === 'fixed');
  const full = fixed[fixed.length - 1];
  let best: SweepRow | undefined;
  for (const r of rows) {
    if (r.kind !== 'adaptive' || r.accuracy < full.accuracy - maxDrop || r.averageMacs >= full.averageMacs) continue;
    if (!best || r.averageMacs < best.averageMacs) best = r;
  }
  return best;
}
