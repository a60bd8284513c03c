/** Seeded mutation fuzz of whole models through Engine.loadSync + runSync: every outcome is a result or a SparqError/TypeError/RangeError. */
import * as fs from 'fs';
import * as path from 'path';
import { Engine, Tensor } from '../lib/index';
import { SparqError } from '../lib/errors';
import type { AttrValue, Graph, TensorValue } from '../lib/ir/graph';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder } from './support/graph-builder';

/** Per-test wall-clock budget: each loop stops early when the machine is slow, so the whole file stays < ~40 s. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 6000);
/** Feeds larger than this are not built (their models are still loaded and their plans still compiled by a 1-element run). */
const MAX_FEED_ELEMENTS = 1 << 20;

/** xorshift32 so every case reproduces from its seed. */
export function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)];

function fixture(name: string): Uint8Array {
  return fs.readFileSync(path.join(__dirname, 'fixtures', name));
}

const FIXTURES = [
  'models/tiny-transformer.onnx',
  'models/mobilenet-style.onnx',
  'models/resnet-style.onnx',
  'models/unet-style.onnx',
  'onnx-codec/typed-fields.onnx',
  'onnx-codec/constants-subgraph.onnx',
];

/** Small conv net touching Conv (grouped), pools, Gemm, Reshape, Transpose, Concat, Softmax, Reduce, Gather. */
function smallConvNet(): Uint8Array {
  const b = new GraphBuilder(13);
  const x = b.input('x', ['n', 4, 8, 8]);
  const c1 = b.node('Conv', [x, b.init('w1', [8, 2, 3, 3]), b.init('b1', [8])], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], group: 2 });
  const r1 = b.node('Relu', [c1]);
  const p1 = b.node('MaxPool', [r1], { kernel_shape: [2, 2], strides: [2, 2] });
  const p2 = b.node('AveragePool', [r1], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
  const cat = b.node('Concat', [p1, p2], { axis: 1 });
  const t = b.node('Transpose', [cat], { perm: [0, 2, 3, 1] });
  const red = b.node('ReduceMean', [t], { axes: [1, 2], keepdims: 0 });
  const g = b.node('Gemm', [red, b.init('wg', [16, 5]), b.init('bg', [5])], { transB: 0 });
  const s = b.node('Softmax', [g], { axis: -1 });
  const idx = b.init('idx', [2], [0, 3], 'int64');
  b.node('Gather', [s, idx], { axis: 1 }, ['y']);
  b.output('y', ['n', 2]);
  return encodeModel(b.build());
}

/** Shape-driven ops whose constant inputs are int64: Reshape, Expand, Slice, Pad, Unsqueeze/Squeeze, Split, ReduceSum. */
function smallShapeNet(): Uint8Array {
  const b = new GraphBuilder(13);
  const x = b.input('x', [2, 3, 4]);
  const r = b.node('Reshape', [x, b.init('shape', [2], [6, 4], 'int64')]);
  const e = b.node('Expand', [r, b.init('eshape', [3], [2, 6, 4], 'int64')]);
  const sl = b.node('Slice', [e, b.init('starts', [2], [0, 1], 'int64'), b.init('ends', [2], [2, 5], 'int64'), b.init('axes', [2], [0, 1], 'int64')]);
  const pd = b.node('Pad', [sl, b.init('pads', [6], [0, 1, 0, 0, 1, 0], 'int64')]);
  const tl = b.node('Concat', [pd, pd], { axis: 2 });
  const u = b.node('Unsqueeze', [tl, b.init('uaxes', [1], [0], 'int64')]);
  const sq = b.node('Squeeze', [u, b.init('saxes', [1], [0], 'int64')]);
  const sp = b.node('Split', [sq, b.init('split', [2], [3, 3], 'int64')], { axis: 1 }, ['s0', 's1']);
  b.node('Add', [sp, 's1'], {}, ['y']);
  b.node('ReduceSum', ['y', b.init('raxes', [1], [2], 'int64')], { keepdims: 1 }, ['z']);
  b.output('y', [2, 3, 8]).output('z', [2, 3, 1]);
  return encodeModel(b.build());
}

/** Feeds for an engine's inputs: symbolic dims become 1 or 2; undefined when the model wants an absurd feed. */
function feedsFor(engine: Engine, next: () => number): Record<string, Tensor> | undefined {
  const feeds: Record<string, Tensor> = {};
  for (const input of engine.inputs) {
    // Symbolic batch → 1 or 2; other symbolic dims (height, width) → 16 or 32 so strided image models fit.
    const dims = input.rankUnknown ? [2] : input.shape.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 + Math.floor(next() * 2) : pick(next, [16, 32])));
    const count = dims.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count) || count > MAX_FEED_ELEMENTS) return undefined;
    let data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;
    switch (input.type) {
      case 'float32': {
        const f = new Float32Array(count);
        for (let i = 0; i < count; i++) f[i] = next() * 2 - 1;
        data = f;
        break;
      }
      case 'int64': data = new BigInt64Array(count); break;
      case 'int32': data = new Int32Array(count); break;
      case 'int8': data = new Int8Array(count); break;
      default: data = new Uint8Array(count);
    }
    feeds[input.name] = new Tensor(input.type, data, dims);
  }
  return feeds;
}

type Outcome = 'ran' | 'load-error' | 'run-error' | 'skipped';

interface Tally {
  cases: number;
  outcomes: Record<Outcome, number>;
  failures: string[];
  /** Acceptable errors too, for the seed check's message. */
  errors: string[];
}

const newTally = (): Tally => ({ cases: 0, outcomes: { ran: 0, 'load-error': 0, 'run-error': 0, skipped: 0 }, failures: [], errors: [] });

function acceptable(e: unknown): boolean {
  return e instanceof SparqError || e instanceof TypeError || e instanceof RangeError;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 300)}` : `non-Error thrown: ${String(e)}`;
}

/** Loads and (if that works) runs `bytes`; anything but a result or an acceptable error is recorded as a failure. */
function attempt(bytes: Uint8Array, label: string, next: () => number, tally: Tally): Outcome {
  tally.cases++;
  let engine: Engine;
  try {
    engine = Engine.loadSync(bytes, { threads: 1 });
  } catch (e) {
    if (!acceptable(e)) tally.failures.push(`${label} load: ${describeError(e)}`);
    tally.errors.push(`${label} load: ${describeError(e)}`);
    tally.outcomes['load-error']++;
    return 'load-error';
  }
  let outcome: Outcome = 'ran';
  try {
    const feeds = feedsFor(engine, next);
    if (!feeds) outcome = 'skipped';
    else {
      const out = engine.runSync(feeds);
      for (const t of Object.values(out)) if (!(t instanceof Tensor)) throw new Error('run returned a non-Tensor output');
    }
  } catch (e) {
    if (!acceptable(e)) tally.failures.push(`${label} run: ${describeError(e)}`);
    tally.errors.push(`${label} run: ${describeError(e)}`);
    outcome = 'run-error';
  } finally {
    engine.dispose();
  }
  tally.outcomes[outcome]++;
  return outcome;
}

/** Runs `step(i)` for up to `count` cases or until the budget is spent. */
function loop(count: number, step: (i: number) => void): number {
  const start = Date.now();
  let i = 0;
  for (; i < count && Date.now() - start < BUDGET_MS; i++) step(i);
  return i;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte mutations

function mutateBytes(bytes: Uint8Array, next: () => number): { bytes: Uint8Array; how: string } {
  const kind = Math.floor(next() * 5);
  if (kind === 0) return { bytes: bytes.subarray(0, Math.floor(next() * bytes.length)), how: 'truncate' };
  const copy = bytes.slice();
  if (kind === 1) {
    const flips = 1 + Math.floor(next() * 4);
    for (let k = 0; k < flips; k++) copy[Math.floor(next() * copy.length)] ^= 1 << Math.floor(next() * 8);
    return { bytes: copy, how: `flip x${flips}` };
  }
  if (kind === 2) {
    // Overwrite with varint-ish extremes: 0xff runs read as huge lengths / dims.
    const at = Math.floor(next() * copy.length);
    const n = 1 + Math.floor(next() * 10);
    for (let k = 0; k < n && at + k < copy.length; k++) copy[at + k] = k === n - 1 ? 0x01 : 0xff;
    return { bytes: copy, how: 'varint-max' };
  }
  if (kind === 3) {
    // Zero a small run (lengths and dims to 0).
    const at = Math.floor(next() * copy.length);
    copy.fill(0, at, Math.min(copy.length, at + 1 + Math.floor(next() * 4)));
    return { bytes: copy, how: 'zero-run' };
  }
  // Splice: duplicate a chunk (repeated fields, duplicated nodes).
  const a = Math.floor(next() * copy.length);
  const len = Math.min(copy.length - a, 1 + Math.floor(next() * 64));
  const out = new Uint8Array(copy.length + len);
  const b = Math.floor(next() * copy.length);
  out.set(copy.subarray(0, b), 0);
  out.set(copy.subarray(a, a + len), b);
  out.set(copy.subarray(b), b + len);
  return { bytes: out, how: 'splice' };
}

// ---------------------------------------------------------------------------------------------------------------
// Structured (IR-level) mutations: decode, mutate, re-encode

const ABSURD_INTS = [0, -1, -2, 1, 3, 7, 99, -99, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 2 ** 53 - 1];
const ABSURD_FLOATS = [NaN, Infinity, -Infinity, 0, -1, 1e30, -1e-30];

/** Attribute names the supported ops read, with absurd values to plant on any node. */
const PLANTED: [string, () => AttrValue][] = [
  ['kernel_shape', () => ({ kind: 'ints', value: [0, 0] })],
  ['kernel_shape', () => ({ kind: 'ints', value: [2 ** 31, 3] })],
  ['kernel_shape', () => ({ kind: 'ints', value: [] })],
  ['strides', () => ({ kind: 'ints', value: [0, 0] })],
  ['strides', () => ({ kind: 'ints', value: [-1, 1] })],
  ['dilations', () => ({ kind: 'ints', value: [0, 1] })],
  ['dilations', () => ({ kind: 'ints', value: [2 ** 30, 2 ** 30] })],
  ['pads', () => ({ kind: 'ints', value: [-1, -1, -1, -1] })],
  ['pads', () => ({ kind: 'ints', value: [2 ** 31, 0, 0, 0] })],
  ['pads', () => ({ kind: 'ints', value: [1] })],
  ['group', () => ({ kind: 'int', value: 3 })],
  ['group', () => ({ kind: 'int', value: 0 })],
  ['group', () => ({ kind: 'int', value: -4 })],
  ['axis', () => ({ kind: 'int', value: 99 })],
  ['axis', () => ({ kind: 'int', value: -99 })],
  ['axes', () => ({ kind: 'ints', value: [7, -9] })],
  ['axes', () => ({ kind: 'ints', value: [1, 1] })],
  ['perm', () => ({ kind: 'ints', value: [5, 0] })],
  ['perm', () => ({ kind: 'ints', value: [0, 0, 1, 2] })],
  ['keepdims', () => ({ kind: 'int', value: 7 })],
  ['transA', () => ({ kind: 'int', value: 1 })],
  ['transB', () => ({ kind: 'int', value: -1 })],
  ['alpha', () => ({ kind: 'float', value: NaN })],
  ['epsilon', () => ({ kind: 'float', value: -1 })],
  ['auto_pad', () => ({ kind: 'string', value: 'SAME_UPPER' })],
  ['auto_pad', () => ({ kind: 'string', value: 'NONSENSE' })],
  ['ceil_mode', () => ({ kind: 'int', value: 1 })],
  ['split', () => ({ kind: 'ints', value: [-1, 2 ** 40] })],
  ['to', () => ({ kind: 'int', value: 999 })],
  ['mode', () => ({ kind: 'string', value: 'cubic' })],
  ['value', () => ({ kind: 'tensor', value: { type: 'float32', dims: [2 ** 20, 2 ** 20], data: new Float32Array(1) } })],
];

const ABSURD_DIMS = [0, -1, -7, 2 ** 31, 2 ** 40, 2 ** 53 - 1, 1e6];

function absurdAttr(old: AttrValue, next: () => number): AttrValue | undefined {
  switch (old.kind) {
    case 'int': return { kind: 'int', value: pick(next, ABSURD_INTS) };
    case 'float': return { kind: 'float', value: pick(next, ABSURD_FLOATS) };
    case 'ints': {
      if (next() < 0.3) return { kind: 'ints', value: next() < 0.5 ? [] : [...old.value, ...old.value] };
      const value = old.value.slice();
      if (value.length === 0) value.push(pick(next, ABSURD_INTS));
      else value[Math.floor(next() * value.length)] = pick(next, ABSURD_INTS);
      return { kind: 'ints', value };
    }
    case 'floats': {
      const value = old.value.slice();
      if (value.length === 0) value.push(NaN);
      else value[Math.floor(next() * value.length)] = pick(next, ABSURD_FLOATS);
      return { kind: 'floats', value };
    }
    case 'string': return { kind: 'string', value: pick(next, ['', 'NOTSET', 'VALID', 'bogus', 'SAME_LOWER', 'nearest', 'linear']) };
    default: return undefined;
  }
}

/** Replaces a few int64 values of a constant (shapes, axes, pads, starts) with extremes. */
function absurdInt64(t: TensorValue, next: () => number): TensorValue {
  const data = new BigInt64Array(t.data as BigInt64Array);
  if (data.length > 0) data[Math.floor(next() * data.length)] = BigInt(pick(next, [0, -1, -2, 2 ** 31, 2 ** 40, 2 ** 53 - 1, -(2 ** 53)]));
  if (next() < 0.2 && data.length > 0) data[0] = -(2n ** 63n);
  return { type: 'int64', dims: t.dims.slice(), data };
}

function nodeProducing(g: Graph): Map<string, number> {
  const m = new Map<string, number>();
  g.nodes.forEach((n, i) => n.outputs.forEach((o) => m.set(o, i)));
  return m;
}

/** One structural mutation of `g`, in place; returns what was done. */
function mutateGraph(g: Graph, next: () => number): string {
  const nodes = g.nodes;
  const node = nodes.length ? pick(next, nodes) : undefined;
  const kind = Math.floor(next() * 11);
  switch (kind) {
    case 0: {
      // Existing attribute → absurd value, or removed.
      const withAttrs = nodes.filter((n) => Object.keys(n.attrs).length > 0);
      if (!withAttrs.length) return 'none';
      const n = pick(next, withAttrs);
      const key = pick(next, Object.keys(n.attrs));
      if (next() < 0.25) {
        delete n.attrs[key];
        return `drop ${n.opType}.${key}`;
      }
      const v = absurdAttr(n.attrs[key], next);
      if (!v) return 'none';
      n.attrs[key] = v;
      return `${n.opType}.${key}=${JSON.stringify(v.value)}`;
    }
    case 1: {
      if (!node) return 'none';
      const [key, make] = pick(next, PLANTED);
      node.attrs[key] = make();
      return `plant ${node.opType}.${key}`;
    }
    case 2: {
      // Cycle: a node consumes its own output or a later node's output.
      if (!node) return 'none';
      const i = nodes.indexOf(node);
      const later = nodes.slice(i);
      const src = pick(next, later);
      if (!node.inputs.length || !src.outputs.length) return 'none';
      node.inputs[Math.floor(next() * node.inputs.length)] = pick(next, src.outputs);
      return `cycle ${node.opType} <- ${src.opType}`;
    }
    case 3: {
      // Initializer dims no longer match its data, or data replaced by another shape.
      const names = [...g.initializers.keys()];
      if (!names.length) return 'none';
      const name = pick(next, names);
      const t = g.initializers.get(name)!;
      if (next() < 0.5 && t.dims.length > 0) {
        const dims = t.dims.slice();
        dims[Math.floor(next() * dims.length)] = pick(next, ABSURD_DIMS);
        g.initializers.set(name, { ...t, dims });
        return `init ${name} dims ${dims}`;
      }
      const dims = t.dims.length > 1 ? t.dims.slice().reverse().concat([1]) : [...t.dims, 2];
      const count = dims.reduce((a, b) => a * b, 1);
      if (t.type !== 'float32' || count > 1 << 20) return 'none';
      g.initializers.set(name, { type: 'float32', dims, data: new Float32Array(count) });
      return `init ${name} reshaped ${dims}`;
    }
    case 4: {
      // Graph input dims: huge, negative, zero.
      if (!g.inputs.length) return 'none';
      const inp = pick(next, g.inputs);
      if (!inp.shape.length) return 'none';
      const shape = inp.shape.slice();
      shape[Math.floor(next() * shape.length)] = pick(next, ABSURD_DIMS);
      inp.shape = shape;
      return `input ${inp.name} shape ${shape}`;
    }
    case 5: {
      const int64s = [...g.initializers.entries()].filter(([, t]) => t.type === 'int64');
      if (!int64s.length) return 'none';
      const [name, t] = pick(next, int64s);
      g.initializers.set(name, absurdInt64(t, next));
      return `int64 ${name}`;
    }
    case 6: {
      // Dangling reference or dropped producer.
      if (!node) return 'none';
      if (next() < 0.5 && node.inputs.length) {
        node.inputs[Math.floor(next() * node.inputs.length)] = 'no_such_value';
        return `dangling ${node.opType}`;
      }
      nodes.splice(nodes.indexOf(node), 1);
      return `drop node ${node.opType}`;
    }
    case 7: {
      // Wrong arity: drop or add inputs / outputs.
      if (!node) return 'none';
      if (next() < 0.5) node.inputs = node.inputs.slice(0, Math.floor(next() * node.inputs.length));
      else node.inputs = [...node.inputs, ...node.inputs];
      if (next() < 0.3) node.outputs = [...node.outputs, `${node.name}_extra`];
      return `arity ${node.opType} ${node.inputs.length}`;
    }
    case 8: {
      // Element type changes: input to int64/bool/float64, initializer to int32.
      if (next() < 0.5 && g.inputs.length) {
        const inp = pick(next, g.inputs);
        inp.type = pick(next, ['int64', 'bool', 'float64', 'int8', 'string'] as const);
        return `input ${inp.name} type ${inp.type}`;
      }
      const floats = [...g.initializers.entries()].filter(([, t]) => t.type === 'float32');
      if (!floats.length) return 'none';
      const [name, t] = pick(next, floats);
      g.initializers.set(name, { type: 'int32', dims: t.dims.slice(), data: Int32Array.from(t.data as Float32Array, (v) => Math.round(v)) });
      return `init ${name} int32`;
    }
    case 9: {
      // Duplicate output names (two producers of one value), or an output naming nothing.
      if (!node || nodes.length < 2) return 'none';
      const other = pick(next, nodes);
      if (!other.outputs.length || !node.outputs.length) return 'none';
      node.outputs[0] = other.outputs[0];
      return `dup output ${node.opType}/${other.opType}`;
    }
    default: {
      // Op type swapped for another supported op: attributes and arities no longer match.
      if (!node) return 'none';
      node.opType = pick(next, ['Conv', 'MaxPool', 'Gemm', 'MatMul', 'Reshape', 'Transpose', 'Concat', 'Softmax', 'Gather', 'Resize', 'Split', 'Slice', 'BatchNormalization', 'LayerNormalization', 'ConvTranspose', 'Pad', 'ReduceMean', 'Expand', 'Where', 'Cast']);
      return `retype ${node.opType}`;
    }
  }
}

function structuredCase(base: Uint8Array, seed: number, tally: Tally, label: string): void {
  const next = rng(seed);
  const g = decodeModel(base);
  const steps = 1 + Math.floor(next() * 2);
  const how: string[] = [];
  for (let k = 0; k < steps; k++) how.push(mutateGraph(g, next));
  let bytes: Uint8Array;
  try {
    bytes = encodeModel(g);
  } catch {
    return; // the writer refused the mutation itself (not what is under test)
  }
  attempt(bytes, `${label} seed ${seed} [${how.join('; ')}]`, next, tally);
}

/** No mutated model may make the process balloon: the memory cap and the decoder's limits refuse before allocating. */
const MAX_RSS_BYTES = 3 * 2 ** 30;

function report(name: string, tally: Tally): void {
  if (process.env.FUZZ_VERBOSE) console.log(name, tally.cases, tally.outcomes, `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  expect(tally.failures).toEqual([]);
  expect(process.memoryUsage().rss).toBeLessThan(MAX_RSS_BYTES);
}

describe('ONNX mutation fuzz through Engine.load and run', () => {
  const SEED = Number(process.env.FUZZ_SEED ?? 1);

  test('the unmutated seeds load and run (the two codec fixtures are loader-only seeds: If and float64 outputs are unsupported)', () => {
    const tally = newTally();
    for (const name of FIXTURES.filter((n) => n.startsWith('models/'))) attempt(fixture(name), name, rng(1), tally);
    attempt(smallConvNet(), 'small conv net', rng(1), tally);
    attempt(smallShapeNet(), 'small shape net', rng(1), tally);
    expect(tally.errors).toEqual([]);
    // Every seed must really run, or the fuzz below would only exercise the loader.
    expect(tally.outcomes).toEqual({ ran: 6, 'load-error': 0, 'run-error': 0, skipped: 0 });
  });

  test('byte mutations of small generated models', () => {
    const tally = newTally();
    const seeds = [smallConvNet(), smallShapeNet()];
    loop(600, (i) => {
      const next = rng(SEED * 100003 + i);
      const { bytes, how } = mutateBytes(seeds[i % seeds.length], next);
      attempt(bytes, `generated ${i % seeds.length} case ${i} (${how})`, next, tally);
    });
    report('bytes/generated', tally);
    expect(tally.cases).toBeGreaterThan(20);
  });

  test('byte mutations of the committed fixtures', () => {
    const tally = newTally();
    const seeds = FIXTURES.map(fixture);
    loop(240, (i) => {
      const next = rng(SEED * 7919 + i);
      const k = i % seeds.length;
      const { bytes, how } = mutateBytes(seeds[k], next);
      attempt(bytes, `${FIXTURES[k]} case ${i} (${how})`, next, tally);
    });
    report('bytes/fixtures', tally);
    expect(tally.cases).toBeGreaterThan(6);
  });

  test('structured mutations of small generated models (absurd attributes, cycles, dims, types)', () => {
    const tally = newTally();
    const seeds = [smallConvNet(), smallShapeNet()];
    loop(1500, (i) => structuredCase(seeds[i % 2], SEED * 31337 + i, tally, `generated ${i % 2}`));
    report('structured/generated', tally);
    expect(tally.cases).toBeGreaterThan(50);
  });

  test('structured mutations of the committed fixtures', () => {
    const tally = newTally();
    const seeds = FIXTURES.map(fixture);
    loop(300, (i) => structuredCase(seeds[i % seeds.length], SEED * 65537 + i, tally, FIXTURES[i % seeds.length]));
    report('structured/fixtures', tally);
    expect(tally.cases).toBeGreaterThan(6);
  });
});
