/** Engine API: load (path / bytes / errors), inputs and outputs, argument validation messages, dispose, capabilities. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DisposedError, Engine, ModelFormatError, Tensor, UnsupportedError } from '../lib/index';
import { encodeModel } from '../lib/onnx/encode';
import { GraphBuilder } from './support/graph-builder';

/** x [batch, 3, 4, 4] float32 and ids [2] int64 → y = Relu(x), z = ids */
function model(): Uint8Array {
  const b = new GraphBuilder(13);
  const x = b.input('x', ['batch', 3, 4, 4]);
  const ids = b.input('ids', [2], 'int64');
  b.node('Relu', [x], {}, ['y']);
  b.node('Identity', [ids], {}, ['z']);
  b.output('y', ['batch', 3, 4, 4]).output('z', [2], 'int64');
  return encodeModel(b.build());
}

const good = () => ({ x: new Tensor('float32', new Float32Array(48), [1, 3, 4, 4]), ids: new Tensor('int64', new BigInt64Array(2), [2]) });

describe('Engine load', () => {
  test('from bytes and from a path; inputs/outputs with symbolic dims by name', async () => {
    const bytes = model();
    const a = Engine.loadSync(bytes);
    expect(a.inputs).toEqual([
      { name: 'x', type: 'float32', shape: ['batch', 3, 4, 4] },
      { name: 'ids', type: 'int64', shape: [2] },
    ]);
    expect(a.outputs).toEqual([
      { name: 'y', type: 'float32', shape: ['batch', 3, 4, 4] },
      { name: 'z', type: 'int64', shape: [2] },
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-engine-'));
    const file = path.join(dir, 'm.onnx');
    fs.writeFileSync(file, bytes);
    const b = await Engine.load(file, { threads: 1 }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    expect(b.inputs.map((i) => i.name)).toEqual(['x', 'ids']);
    a.dispose();
    b.dispose();
  });

  test('malformed bytes → ModelFormatError; unsupported op → UnsupportedError naming op, node, opset', async () => {
    await expect(Engine.load(new Uint8Array([0x0a, 0xff, 0xff, 0x01]))).rejects.toBeInstanceOf(ModelFormatError);
    const b = new GraphBuilder(13);
    b.input('x', [2]);
    b.node('Det', [b.input('m', [2, 2])], {}, ['d']);
    b.output('d', []);
    const bytes = encodeModel(b.build());
    expect(() => Engine.loadSync(bytes)).toThrow(UnsupportedError);
    expect(() => Engine.loadSync(bytes)).toThrow("Unsupported op 'Det' in node 'Det_0' (opset 13)");
  });

  test('option validation messages', () => {
    const bytes = model();
    const levels = Engine.capabilities().levels;
    expect(() => Engine.loadSync(bytes, { threads: 0 })).toThrow('Expected an integer >= 1 for options.threads but received 0');
    expect(() => Engine.loadSync(bytes, { threads: 1.5 })).toThrow('Expected an integer >= 1 for options.threads but received 1.5');
    expect(() => Engine.loadSync(bytes, { isa: 'sse9' })).toThrow(
      `Expected one of ${levels.map((l) => JSON.stringify(l)).join(', ')} for options.isa but received "sse9"`,
    );
    expect(() => Engine.loadSync(bytes, { thread: 2 } as never)).toThrow('Expected one of the options "threads", "isa", "maxMemoryBytes" for options but received "thread"');
    expect(() => Engine.loadSync(bytes, 'fast' as never)).toThrow('Expected an object for options but received "fast"');
    expect(() => Engine.loadSync(42 as never)).toThrow('Expected a file path, Uint8Array, Buffer or ArrayBuffer for model but received 42');
  });
});

describe('feed validation', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = Engine.loadSync(model());
  });
  afterAll(() => engine.dispose());

  test.each([
    ['unknown name', () => ({ ...good(), w: good().x }), 'Expected one of the input names "x", "ids" for feeds but received "w"'],
    ['missing input', () => ({ x: good().x }), 'Expected a Tensor for input "ids" but received undefined'],
    ['wrong type', () => ({ ...good(), ids: new Tensor('int32', new Int32Array(2), [2]) }), 'Expected an int64 tensor for input "ids" but received an int32 tensor'],
    ['wrong rank', () => ({ ...good(), x: new Tensor('float32', new Float32Array(48), [3, 4, 4]) }), 'Expected 4 dimensions [batch, 3, 4, 4] for input "x" but received dims [3, 4, 4]'],
    ['wrong static dim', () => ({ ...good(), x: new Tensor('float32', new Float32Array(64), [1, 4, 4, 4]) }), 'Expected dims [batch, 3, 4, 4] for input "x" but received dims [1, 4, 4, 4]'],
    ['non-integer dims', () => ({ ...good(), x: { type: 'float32', data: new Float32Array(48), dims: [1, 3, 4, 4.5] } }), 'Expected dims of non-negative integers for input "x" but received array [1, 3, 4, 4.5]'],
    ['data length', () => ({ ...good(), x: { type: 'float32', data: new Float32Array(40), dims: [1, 3, 4, 4] } }), 'Expected 48 elements (the product of dims [1, 3, 4, 4]) for input "x" data but received 40 elements'],
    ['data of the wrong array class', () => ({ ...good(), x: { type: 'float32', data: new Float64Array(48), dims: [1, 3, 4, 4] } }), 'Expected a Float32Array for input "x" data but received Float64Array(48)'],
    ['not an object', () => 7, 'Expected an object mapping input names to tensors for feeds but received 7'],
  ])('%s', async (_, feeds, message) => {
    expect(() => engine.runSync(feeds() as never)).toThrow(message);
    await expect(engine.run(feeds() as never)).rejects.toThrow(message);
  });

  test('run options', () => {
    expect(() => engine.runSync(good(), { outputs: ['nope'] })).toThrow('Expected one of the output names "y", "z" for run options.outputs but received "nope"');
    expect(() => engine.runSync(good(), { fast: true } as never)).toThrow('Expected one of the run options "outputs" for run options but received "fast"');
  });
});

describe('running', () => {
  test('outputs come back as Tensors of the model types; an input passed straight through is copied; `outputs` selects', async () => {
    const engine = Engine.loadSync(model());
    const x = new Float32Array(96).map((_, i) => i - 48);
    const feeds = { x: new Tensor('float32', x, [2, 3, 4, 4]), ids: new Tensor('int64', new BigInt64Array([7n, -3n]), [2]) };
    const out = await engine.run(feeds);
    expect(out.y).toBeInstanceOf(Tensor);
    expect(out.y.type).toBe('float32');
    expect(out.y.dims).toEqual([2, 3, 4, 4]);
    expect(Array.from(out.y.data as Float32Array)).toEqual(Array.from(x, (v) => Math.max(0, v)));
    expect(out.z.type).toBe('int64');
    expect(Array.from(out.z.data as BigInt64Array)).toEqual([7n, -3n]);
    const sync = engine.runSync(feeds, { outputs: ['z'] });
    expect(Object.keys(sync)).toEqual(['z']);
    expect(Array.from(sync.z.data as BigInt64Array)).toEqual([7n, -3n]);
    engine.dispose();
  });
});

describe('graph edge cases', () => {
  test('an output that is a constant, an output listed twice, an unused input, an int32 input', async () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 2]);
    b.input('unused', [3]);
    const k = b.input('k', [3], 'int32');
    b.init('c', [2], [1.5, -2]);
    b.node('Neg', [x], {}, ['y']);
    b.node('Abs', [k], {}, ['ka']);
    b.output('c', [2]).output('y', [2, 2]).output('ka', [3], 'int32');
    b.g.outputs.push({ name: 'y', type: 'float32', shape: [2, 2] });
    const engine = Engine.loadSync(encodeModel(b.build()));
    const out = engine.runSync({
      x: new Tensor('float32', new Float32Array([1, -2, 3, -4]), [2, 2]),
      unused: new Tensor('float32', new Float32Array(3), [3]),
      k: new Tensor('int32', new Int32Array([-7, 0, 7]), [3]),
    });
    expect(Array.from(out.c.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(out.y.data as Float32Array)).toEqual([-1, 2, -3, 4]);
    expect(Array.from(out.ka.data as Int32Array)).toEqual([7, 0, 7]);
    engine.dispose();
  });

  test('uint8 data may come as a Node Buffer; Cast to float32', () => {
    const b = new GraphBuilder(13);
    b.node('Cast', [b.input('u', [4], 'uint8')], { to: 1 }, ['f']);
    b.output('f', [4]);
    const engine = Engine.loadSync(encodeModel(b.build()));
    const out = engine.runSync({ u: { type: 'uint8', data: Buffer.from([0, 1, 128, 255]), dims: [4] } as never });
    expect(Array.from(out.f.data as Float32Array)).toEqual([0, 1, 128, 255]);
    engine.dispose();
  });

  test('a zero-size batch runs and returns an empty tensor', () => {
    const b = new GraphBuilder(13);
    b.node('Relu', [b.input('x', ['n', 4])], {}, ['y']);
    b.output('y', ['n', 4]);
    const engine = Engine.loadSync(encodeModel(b.build()));
    const out = engine.runSync({ x: new Tensor('float32', new Float32Array(0), [0, 4]) });
    expect(out.y.dims).toEqual([0, 4]);
    expect(out.y.size).toBe(0);
    engine.dispose();
  });
});

describe('lifecycle', () => {
  test('dispose is idempotent and later calls throw DisposedError', async () => {
    const engine = Engine.loadSync(model());
    engine.dispose();
    engine.dispose();
    expect(() => engine.runSync(good())).toThrow(DisposedError);
    expect(() => engine.runSync(good())).toThrow('Expected a live engine for this call but received one that was disposed');
    await expect(engine.run(good())).rejects.toBeInstanceOf(DisposedError);
    expect(() => engine.profile()).toThrow(DisposedError);
  });

  test('capabilities', () => {
    const c = Engine.capabilities();
    expect(Object.keys(c).sort()).toEqual(['cpu', 'detected', 'levels', 'selected', 'threads']);
    expect(c.levels[0]).toBe('scalar');
    expect(c.levels).toContain(c.selected);
    expect(c.threads).toBeGreaterThanOrEqual(1);
  });
});
