/** Calibration data as users hand it over (an Iterable or AsyncIterable of feeds), checked sample by sample. */
import { expected } from '../errors';
import type { Tensor } from '../tensor';
import { ValueDescription, validateFeeds } from '../validate';

/** One model input set: input name → tensor. */
export type Feeds = Record<string, Tensor>;

/** Representative inputs for calibration, pruning reconstruction or evaluation; may stream from disk. */
export type CalibrationData = Iterable<Feeds> | AsyncIterable<Feeds>;

/** Progress of long work: `done` of `total` units of `phase` (total is undefined while unknown). */
export interface ProgressEvent {
  phase: string;
  done: number;
  total?: number;
}
export type ProgressCallback = (event: ProgressEvent) => void;

/** @throws TypeError when `onProgress` is present and not a function. */
export function checkProgressCallback(onProgress: unknown, name = 'options.onProgress'): ProgressCallback | undefined {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== 'function') throw new TypeError(expected('a function', name, onProgress));
  return onProgress as ProgressCallback;
}

/** @throws TypeError when `data` is neither an Iterable nor an AsyncIterable. */
export function checkCalibrationData(data: unknown, name = 'options.calibration'): CalibrationData {
  const iterable = typeof data === 'object' && data !== null && (Symbol.iterator in data || Symbol.asyncIterator in data);
  if (!iterable || typeof data === 'string') {
    throw new TypeError(expected('an Iterable or AsyncIterable of feeds (input name → Tensor)', name, data));
  }
  return data as CalibrationData;
}

/** The index and value of the first NaN or ±Infinity in float data, if any. */
function firstNonFinite(data: ArrayLike<number>): { index: number; value: number } | undefined {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) return { index: i, value: v };
  }
  return undefined;
}

/**
 * Yields the samples of `data` after checking each against the model inputs (names, types, ranks, static dims,
 * data length) and that float inputs are finite.
 * @throws TypeError / RangeError naming the sample: bad feeds, NaN or Infinity, or an empty iterable.
 */
export async function* readCalibration(data: CalibrationData, inputs: readonly ValueDescription[], name = 'options.calibration'): AsyncGenerator<Feeds> {
  let index = 0;
  for await (const sample of data as AsyncIterable<unknown>) {
    const where = `${name} sample ${index}`;
    try {
      validateFeeds(sample, inputs);
    } catch (err) {
      if (err instanceof TypeError) throw new TypeError(`${where}: ${err.message}`);
      if (err instanceof RangeError) throw new RangeError(`${where}: ${err.message}`);
      throw err;
    }
    const feeds = sample as Feeds;
    for (const input of inputs) {
      if (input.type !== 'float32') continue;
      const bad = firstNonFinite(feeds[input.name].data as Float32Array);
      if (bad) {
        throw new RangeError(`${where}: ${expected('finite values', `input "${input.name}"`, bad.value)} at element ${bad.index}`);
      }
    }
    yield feeds;
    index++;
  }
  if (index === 0) throw new RangeError(`Expected at least one sample for ${name} but received an empty iterable`);
}

/** Reads every sample into memory (for data that is iterated more than once). @throws as readCalibration. */
export async function collectCalibration(data: CalibrationData, inputs: readonly ValueDescription[], name?: string): Promise<Feeds[]> {
  const out: Feeds[] = [];
  for await (const feeds of readCalibration(data, inputs, name)) out.push(feeds);
  return out;
}

