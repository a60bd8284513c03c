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
 * Median ms of `runs` runSync calls per engine, cycling through `inputs`. Engines take turns in bursts (REWARM
 * untimed runs, then BURST timed ones), starting at a different engine each round, so that load from other processes
 * hits all of them alike while each is timed warm, not on caches the other engines just flushed.
 */
export function timeEngines(engines: readonly Engine[], inputs: readonly Feeds[], runs: number): number[] {
  const times = engines.map(() => new Float64Array(runs));
  for (const e of engines) for (let w = 0; w < WARMUP; w++) e.runSync(inputs[w % inputs.length]);
  let input = 0;
  for (let done = 0, round = 0; done < runs; done += BURST, round++) {
    for (let j = 0; j < engines.length; j++) {
      const k = (round + j) % engines.length;
      for (let w = 0; w < REWARM; w++) engines[k].runSync(inputs[(input + w) % inputs.length]);
      for (let b = 0; b < BURST && done + b < runs; b++) {
        const feeds = inputs[(input + b) % inputs.length];
        const t0 = performance.now();
        engines[k].runSync(feeds);
        times[k][done + b] = performance.now() - t0;
      }
    }
    input += BURST;
  }
  return times.map((t) => median(t));
}
