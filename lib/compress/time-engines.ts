/** Batch-1 latency of several engines on the same inputs, interleaved so machine load hits all of them alike. */
import type { Engine } from '../engine';
import type { Feeds } from '../calibration/calibration-data';
import { median } from '../stats/percentiles';

/** Untimed runs per engine first (plans compiled, branch predictors trained). */
const WARMUP = 5;
/** Untimed runs before each burst: the engine's weights back in cache, as when a service runs one model repeatedly. */
const REWARM = 2;
/** Timed runs per engine in a row. */
const BURST = 4;

/**
 * Batch-1 ms per engine from `runs` runSync calls each, cycling through `inputs`. Engines take turns in bursts (REWARM
 * untimed runs, then BURST timed ones), starting at a different engine each round, so that each is timed warm, not on
 * caches the other engines just flushed. Load from other processes changes from round to round, so each burst is
 * taken relative to its round: an engine's latency is the median over rounds of (its burst median / the median of
 * all engines' burst medians that round), times the median round level.
 */
export function timeEngines(engines: readonly Engine[], inputs: readonly Feeds[], runs: number): number[] {
  for (const e of engines) for (let w = 0; w < WARMUP; w++) e.runSync(inputs[w % inputs.length]);
  const rounds = Math.max(1, Math.ceil(runs / BURST));
  const ratios = engines.map(() => new Float64Array(rounds));
  const levels = new Float64Array(rounds);
  const burst = new Float64Array(BURST);
  const medians = new Float64Array(engines.length);
  let input = 0;
  for (let round = 0; round < rounds; round++) {
    const n = Math.min(BURST, runs - round * BURST) || 1;
    for (let j = 0; j < engines.length; j++) {
      const k = (round + j) % engines.length;
      for (let w = 0; w < REWARM; w++) engines[k].runSync(inputs[(input + w) % inputs.length]);
      for (let b = 0; b < n; b++) {
        const feeds = inputs[(input + b) % inputs.length];
        const t0 = performance.now();
        engines[k].runSync(feeds);
        burst[b] = performance.now() - t0;
      }
      medians[k] = median(burst.subarray(0, n));
    }
    levels[round] = median(medians);
    engines.forEach((_, k) => (ratios[k][round] = medians[k] / levels[round]));
    input += BURST;
  }
  const level = median(levels);
  return ratios.map((r) => median(r) * level);
}
