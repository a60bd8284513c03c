/** Per-layer times from engine.profile(): the median of a few profiled runs per op, for reports and --json. */
import type { Engine } from '../engine';
import type { Tensor } from '../tensor';
import { median } from '../stats/percentiles';

export interface LayerTime {
  name: string;
  type: string;
  kernel: string;
  ms: number;
}

export async function layerTimes(engine: Engine, feeds: Record<string, Tensor>, runs = 5): Promise<LayerTime[]> {
  const samples: number[][] = [];
  let last: LayerTime[] = [];
  for (let r = 0; r < runs; r++) {
    await engine.run(feeds);
    last = engine.profile();
    last.forEach((p, i) => (samples[i] ??= []).push(p.ms));
  }
  return last.map((p, i) => ({ name: p.name, type: p.type, kernel: p.kernel, ms: median(samples[i]) }));
}
