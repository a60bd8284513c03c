/** Inputs for a command: concrete input shapes (from --shape, the data or the model) and feeds (data samples or seeded random values). */
import type { Engine } from '../engine';
import { Tensor } from '../tensor';
import type { Dataset } from '../data/load-dataset';
import { UsageError } from './args';

/** Parses --shape "input=1x3x224x224" (several separated by commas or given for the first input without a name). */
export function parseShapes(text: string | undefined, engine: Engine): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const name = eq >= 0 ? part.slice(0, eq) : engine.inputs[0].name;
    const dims = (eq >= 0 ? part.slice(eq + 1) : part).split('x').map(Number);
    if (!engine.inputs.some((i) => i.name === name)) throw new UsageError(`Expected an input name of ${engine.inputs.map((i) => i.name).join(', ')} for --shape but received "${name}"`);
    if (!dims.length || !dims.every((d) => Number.isInteger(d) && d > 0)) throw new UsageError(`Expected --shape dims like 1x3x224x224 but received "${part}"`);
    out.set(name, dims);
  }
  return out;
}

/** A concrete shape for every input: given ones, the data's sample shape with `batch`, or the model's with batch -> `batch`. */
export function resolveShapes(engine: Engine, given: Map<string, number[]>, batch: number, data?: Dataset): Map<string, number[]> {
  const out = new Map<string, number[]>();
  engine.inputs.forEach((input, k) => {
    const g = given.get(input.name);
    if (g) return out.set(input.name, g);
    if (k === 0 && data) return out.set(input.name, [batch, ...data.dims]);
    const dims = input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : undefined));
    if (dims.some((d) => d === undefined)) {
      throw new UsageError(`Expected --shape for input "${input.name}" (its shape [${input.shape.join(', ')}] has symbolic dims besides the batch), e.g. --shape ${input.name}=${dims.map((d) => d ?? 32).join('x')}`);
    }
    out.set(input.name, dims as number[]);
  });
  return out;
}

/** Deterministic pseudo-random values in [-1, 1): the same inputs on every run. */
function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 0x100000000) * 2 - 1;
  }
  return out;
}

/** `count` feeds: batches of data samples when there is data, seeded random tensors otherwise. */
export function makeFeeds(engine: Engine, shapes: Map<string, number[]>, count: number, data?: Dataset): Record<string, Tensor>[] {
  const feeds: Record<string, Tensor>[] = [];
  for (let k = 0; k < count; k++) {
    const f: Record<string, Tensor> = {};
    engine.inputs.forEach((input, i) => {
      const dims = shapes.get(input.name)!;
      const n = dims.reduce((a, b) => a * b, 1);
      if (input.type !== 'float32') {
        throw new UsageError(`Expected float32 model inputs for generated inputs but input "${input.name}" is ${input.type}`);
      }
      let values: Float32Array;
      if (i === 0 && data && data.samples.length) {
        values = new Float32Array(n);
        const per = data.samples[0].length;
        for (let b = 0; b * per < n; b++) values.set(data.samples[(k * dims[0] + b) % data.samples.length], b * per);
      } else values = seeded(n, 1 + k * 7919 + i);
      f[input.name] = new Tensor('float32', values, dims);
    });
    feeds.push(f);
  }
  return feeds;
}

/** The one input a DATA-driven command feeds. */
export function singleInput(engine: Engine): string {
  if (engine.inputs.length !== 1) throw new UsageError(`Expected a model with one input for --data but it has ${engine.inputs.length}: ${engine.inputs.map((i) => i.name).join(', ')}`);
  return engine.inputs[0].name;
}
