/** What both compress paths (one recipe, --auto) take from the command line: tuning/held-out halves, feeds, progress bars. */
import type { Engine } from '../../engine';
import type { Dataset } from '../../data/load-dataset';
import { Tensor } from '../../tensor';
import { createProgress } from '../progress';

/** First half tunes (calibration checks, mixed precision, strategy choice), second half is held out. */
export function splitHalves(d: Dataset): [Dataset, Dataset] {
  const half = Math.floor(d.samples.length / 2);
  const part = (from: number, to: number): Dataset => ({ ...d, samples: d.samples.slice(from, to), labels: d.labels?.slice(from, to) });
  return [part(0, half), part(half, d.samples.length)];
}

export function calibrationFeeds(engine: Engine, d: Dataset): Record<string, Tensor>[] {
  return d.samples.map((s) => ({ [engine.inputs[0].name]: new Tensor('float32', s, [1, ...d.dims]) }));
}

/** An onProgress callback drawing one bar per `label phase`. */
export function progressBars(label: string): (ev: { phase: string; done: number; total?: number }) => void {
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  return (ev) => {
    const key = `${label} ${ev.phase}`;
    const total = ev.total ?? 0;
    if (!bars.has(key)) bars.set(key, createProgress(key, total));
    bars.get(key)!.update(ev.done);
    if (total && ev.done >= total) bars.get(key)!.finish();
  };
}
