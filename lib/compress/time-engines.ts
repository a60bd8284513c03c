/** Batch-1 latency of several engines on the same inputs, interleaved run by run so machine load hits all of them alike. */
import type { Engine } from '../engine';
import type { Feeds } from '../calibration/calibration-data';
import { median } from '../stats/percentiles';

/** Untimed runs per engine first (plans compiled, caches and branch predictors warm). */
const WARMUP = 5;

/**
 * Median ms of `runs` runSync calls per engine, cycling through `inputs`. Each round runs every engine once, starting
 * at a different engine each round, so no engine always follows the same one (cache pollution, frequency steps).
 */
export function timeEngines(engines: readonly Engine[], inputs: readonly Feeds[], runs: number): number[] {
  const times = engines.map(() => new Float64Array(runs));
  for (const e of engines) for (let w = 0; w < WARMUP; w++) e.runSync(inputs[w % inputs.length]);
  for (let r = 0; r < runs; r++) {
    const feeds = inputs[r % inputs.length];
    for (let j = 0; j < engines.length; j++) {
      const k = (r + j) % engines.length;
      const t0 = performance.now();
      engines[k].runSync(feeds);
      times[k][r] = performance.now() - t0;
    }
  }
  return times.map((t) => median(t));
}
