/** Batch-1 latency of several engines on the same inputs, interleaved run by run so machine load hits all of them alike. */
import type { Engine } from '../engine';
import type { Feeds } from '../calibration/calibration-data';
import { median } from '../stats/percentiles';

/** Median ms of `runs` runSync calls per engine, cycling through `inputs`; one untimed warm-up run each. */
export function timeEngines(engines: readonly Engine[], inputs: readonly Feeds[], runs: number): number[] {
  const times = engines.map(() => new Float64Array(runs));
  for (const e of engines) e.runSync(inputs[0]);
  for (let r = 0; r < runs; r++) {
    const feeds = inputs[r % inputs.length];
    engines.forEach((e, k) => {
      const t0 = performance.now();
      e.runSync(feeds);
      times[k][r] = performance.now() - t0;
    });
  }
  return times.map((t) => median(t));
}
