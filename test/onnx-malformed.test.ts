/** Truncated and corrupted model bytes end in a sparq model error (never a hang, a crash or another error type). */
import * as fs from 'fs';
import * as path from 'path';
import { ModelFormatError, SparqError } from '../lib/errors';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { addNode, emptyGraph, f, init, input, node, output, randomFloats } from './onnx-graph-builder';

function smallModel(): Uint8Array {
  const g = emptyGraph(13);
  input(g, 'x', 'float32', ['n', 4]);
  init(g, 'w', 'float32', [4, 3], randomFloats(12));
  init(g, 'shape', 'int64', [2], [-1n, 3n]);
  addNode(g, node('MatMul', ['x', 'w'], ['y']));
  addNode(g, node('Reshape', ['y', 'shape'], ['r']));
  addNode(g, node('LeakyRelu', ['r'], ['z'], { alpha: f(0.1) }));
  output(g, 'z', 'float32', ['n', 3]);
  return encodeModel(g);
}

/** xorshift PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}

const fixture = fs.readFileSync(path.join(__dirname, 'fixtures', 'models', 'tiny-transformer.onnx'));

describe('malformed model bytes', () => {
  test('every truncation of a small model is a ModelFormatError', () => {
    const bytes = smallModel();
    expect(() => decodeModel(bytes)).not.toThrow();
    for (let n = 0; n < bytes.length; n++) {
      const e = errorOf(() => decodeModel(bytes.subarray(0, n)));
      if (!(e instanceof ModelFormatError)) throw new Error(`truncation at ${n} of ${bytes.length}: ${String(e)}`);
    }
  });

  test('truncations of a real exported model are ModelFormatErrors naming a byte offset or the broken part', () => {
    const next = rng(11);
    for (let i = 0; i < 300; i++) {
      const n = Math.floor(next() * fixture.length);
      const e = errorOf(() => decodeModel(fixture.subarray(0, n)));
      if (!(e instanceof ModelFormatError)) throw new Error(`truncation at ${n}: ${String(e)}`);
    }
    expect(errorOf(() => decodeModel(fixture.subarray(0, 1000)))).toEqual(
      expect.objectContaining({ message: expect.stringMatching(/at byte \d+/) }),
    );
  });

  test('single and multiple bit flips either decode or throw a SparqError', () => {
    const bytes = smallModel();
    const next = rng(5);
    let failures = 0;
    for (let i = 0; i < 3000; i++) {
      const copy = bytes.slice();
      const flips = 1 + Math.floor(next() * 3);
      for (let k = 0; k < flips; k++) copy[Math.floor(next() * copy.length)] ^= 1 << Math.floor(next() * 8);
      const e = errorOf(() => decodeModel(copy));
      if (e === undefined) continue;
      failures++;
      if (!(e instanceof SparqError)) throw new Error(`flip case ${i}: ${String(e)}`);
    }
    expect(failures).toBeGreaterThan(100);
  });

  test('bit flips in a real exported model never escape as foreign errors', () => {
    const next = rng(9);
    for (let i = 0; i < 150; i++) {
      const copy = new Uint8Array(fixture);
      // Flip inside the structure-heavy tail (node list), where flips change tags and lengths.
      const at = Math.floor(next() * copy.length);
      copy[at] ^= 1 << Math.floor(next() * 8);
      const e = errorOf(() => decodeModel(copy));
      if (e !== undefined && !(e instanceof SparqError)) throw new Error(`flip at ${at}: ${String(e)}`);
    }
  });

  test('hostile lengths and garbage are rejected without allocating', () => {
    // Field 7 (graph), length 2^31: far beyond the input.
    expect(() => decodeModel(new Uint8Array([0x3a, 0x80, 0x80, 0x80, 0x80, 0x08]))).toThrow(/exceeds the 0 remaining bytes/);
    expect(() => decodeModel(new Uint8Array(0))).toThrow('Model has no graph (ModelProto.graph is missing)');
    expect(() => decodeModel(new TextEncoder().encode('not a model at all, just text'))).toThrow(ModelFormatError);
    const random = rng(3);
    for (let i = 0; i < 500; i++) {
      const junk = new Uint8Array(1 + Math.floor(random() * 64)).map(() => Math.floor(random() * 256));
      const e = errorOf(() => decodeModel(junk));
      if (!(e instanceof SparqError)) throw new Error(`junk case ${i}: ${String(e)}`);
    }
  });
});

describe('size limits', () => {
  test('a graph with more nodes than MAX_GRAPH_NODES is refused before any pass runs', () => {
    // ModelProto { ir_version: 8, opset_import { version: 13 }, graph { node {} x (limit + 1) } }, written by hand:
    // an empty NodeProto costs two bytes, so the file stays small while the count is absurd.
    const { MAX_GRAPH_NODES } = jest.requireActual('../lib/onnx/decode') as { MAX_GRAPH_NODES: number };
    const count = MAX_GRAPH_NODES + 1;
    const graph = new Uint8Array(count * 2);
    for (let i = 0; i < count; i++) graph[2 * i] = (1 << 3) | 2; // field 1 (node), length-delimited, length 0
    const varint = (v: number): number[] => {
      const out: number[] = [];
      while (v > 127) {
        out.push((v & 127) | 128);
        v = Math.floor(v / 128);
      }
      out.push(v);
      return out;
    };
    const head = [(1 << 3) | 0, 8, (8 << 3) | 2, 2, (2 << 3) | 0, 13, (7 << 3) | 2, ...varint(graph.length)];
    const bytes = new Uint8Array(head.length + graph.length);
    bytes.set(head);
    bytes.set(graph, head.length);
    let caught: unknown;
    try {
      decodeModel(bytes);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toContain(`a graph of ${count} nodes (the limit is ${MAX_GRAPH_NODES})`);
  });
});
