/** The early-exit rule applied offline: for every confidence threshold, which exit each sample takes, accuracy and average MACs. */
import { topSoftmaxProbability } from '../dynamic/early-exit';
import { argmax } from './run-samples';

/** One sample's class scores at every exit, in exit order. */
export type ExitScores = ArrayLike<number>[];

/**
 * The exit a batch-1 run takes: the first whose top softmax probability is >= `confidence`, else the last one.
 * (NaN scores are never confident.)
 */
export function exitTaken(scores: ExitScores, confidence: number): number {
  for (let k = 0; k + 1 < scores.length; k++) if (topSoftmaxProbability(scores[k]) >= confidence) return k;
  return scores.length - 1;
}

export interface SweepRow {
  confidence: number;
  /** Top-1 accuracy in % (undefined without labels). */
  top1?: number;
  /** Percentage of samples whose prediction matches the last exit's (always running to the end). */
  agreement: number;
  /** Average MACs per sample when each sample stops at its exit. */
  averageMacs: number;
  /** 1 - averageMacs / MACs of the full model, in %. */
  macSaving: number;
  /** Share of samples (%) taking each exit. */
  exitShare: number[];
}

/** Accuracy and average compute at each threshold, from every sample's scores at every exit (one full run each). */
export function sweepThresholds(samples: readonly ExitScores[], macs: readonly number[], thresholds: readonly number[], labels?: readonly number[]): SweepRow[] {
  const n = samples.length;
  const last = macs.length - 1;
  const fullPrediction = samples.map((s) => argmax(s[last]));
  return thresholds.map((confidence) => {
    const counts = new Array<number>(macs.length).fill(0);
    let correct = 0;
    let agree = 0;
    let totalMacs = 0;
    samples.forEach((scores, i) => {
      const k = exitTaken(scores, confidence);
      const prediction = argmax(scores[k]);
      counts[k]++;
      totalMacs += macs[k];
      if (labels && prediction === labels[i]) correct++;
      if (prediction === fullPrediction[i]) agree++;
    });
    const averageMacs = totalMacs / n;
    return {
      confidence,
      top1: labels ? (100 * correct) / n : undefined,
      agreement: (100 * agree) / n,
      averageMacs,
      macSaving: 100 * (1 - averageMacs / macs[last]),
      exitShare: counts.map((c) => (100 * c) / n),
    };
  });
}

/**
 * The threshold to recommend: the largest MAC saving whose top-1 (or, without labels, agreement with the full model)
 * is within `maxDrop` points of always running to the end.
 */
export function chooseThreshold(rows: readonly SweepRow[], fullTop1: number | undefined, maxDrop: number): SweepRow | undefined {
  let best: SweepRow | undefined;
  for (const r of rows) {
    const drop = fullTop1 !== undefined && r.top1 !== undefined ? fullTop1 - r.top1 : 100 - r.agreement;
    if (drop <= maxDrop + 1e-9 && (!best || r.macSaving > best.macSaving)) best = r;
  }
  return best;
}
