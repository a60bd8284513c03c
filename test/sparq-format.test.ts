/**
 * .sparq files: engine.save -> Engine.load gives bit-identical outputs on every fixture model, the stored graphs
 * come back equal, 2:4-sparse weights are stored compressed, and newer / corrupted / truncated files are refused
 * with a ModelFormatError that says why.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Engine, ModelFormatError, Tensor } from '../lib';
import type { Graph } from '../lib/ir/graph';
import { loadNpy } from '../lib/format/npy';
import { decodeModel } from '../lib/onnx/decode';
import { optimizeGraph } from '../lib/passes/pipeline';
import { encodeSparq, encodeSparqGraphs } from '../lib/format/sparq-writer';
import { isSparqFile, readSparq, SPARQ_MAGIC } from '../lib/format/sparq-reader';
import { BLOB_ALIGNMENT, decodeHeader, encodeHeader, FLAGS, HEADER_BYTES, SPARQ_FORMAT_VERSION } from '../lib/format/sparq-layout';
import { payloadChecksum } from '../lib/format/sparq-checksum';
import { provenanceOf, recordProvenance, sha256Hex } from '../lib/format/sparq-provenance';

const FIXTURES = join(__dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'sparq-format-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixtureModels(): { name: string; model: string; input: string }[] {
  const out = [];
  for (const sub of ['models', 'fashion-mnist']) {
    for (const f of readdirSync(join(FIXTURES, sub)).sort()) {
      if (!f.endsWith('.onnx')) continue;
      const base = join(FIXTURES, sub, f.slice(0, -5));
      if (existsSync(`${base}.input.npy`)) out.push({ name: `${sub}/${f}`, model: `${base}.onnx`, input: `${base}.input.npy` });
    }
  }
  return out;
}

function feedsFor(engine: Engine, inputPath: string): Record<string, Tensor> {
  const x = loadNpy(inputPath);
  return { [engine.inputs[0].name]: new Tensor('float32', x.data as Float32Array, x.dims) };
}

function bytesOf(t: Tensor): Uint8Array {
  const d = t.data as Uint8Array;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Graphs compared by value; typed arrays by their bytes so -0 and NaN payloads count. */
function canonical(g: Graph): unknown {
  return JSON.parse(
    JSON.stringify({ ...g, initializers: [...g.initializers], valueInfo: [...g.valueInfo] }, (_k, v) => {
      if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v))) return `number:${Object.is(v, -0) ? '-0' : v}`;
      return v;
    }),
  );
}

describe('.sparq round trip', () => {
  const models = fixtureModels();
  test('there are fixture models to round-trip (including the QDQ one)', () => {
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['models/resnet-style.onnx', 'fashion-mnist/resnet-fmnist-qdq.onnx']));
  });

  for (const m of models) {
    test(`${m.name}: stored graphs come back equal`, () => {
      const source = decodeModel(readFileSync(m.model), {});
      const optimized = optimizeGraph(source);
      const bytes = encodeSparqGraphs(source, optimized, { sourceSha256: sha256Hex(readFileSync(m.model)), sourceHashOf: 'file' });
      const back = readSparq(bytes, m.name);
      expect(canonical(back.source)).toEqual(canonical(source));
      expect(canonical(back.optimized)).toEqual(canonical(optimized));
      expect(back.metadata.provenance.sourceSha256).toBe(sha256Hex(readFileSync(m.model)));
      for (const b of back.metadata.blobs) expect(b.offset % BLOB_ALIGNMENT).toBe(0);
    });

    test(`${m.name}: engine.save then Engine.load runs bit-identically`, async () => {
      const engine = await Engine.load(m.model, { threads: 1 });
      const a = engine.runSync(feedsFor(engine, m.input));
      const file = join(dir, m.name.replace('/', '-') + '.sparq');
      await engine.save(file);
      const bytes = readFileSync(file);
      expect(isSparqFile(bytes)).toBe(true);
      // The plan of the shape it ran is stored, so the loaded engine runs it without compiling.
      expect([...readSparq(bytes).plans.keys()]).toEqual(engine.compiledPlans().map((p) => p.signature));
      expect(readSparq(bytes).plans.size).toBe(1);
      const loaded = await Engine.load(file, { threads: 1 });
      const feeds = feedsFor(engine, m.input);
      const b = await loaded.run(feeds);
      expect(Object.keys(b)).toEqual(Object.keys(a));
      for (const k of Object.keys(a)) {
        expect(b[k].dims).toEqual(a[k].dims);
        expect(Buffer.compare(Buffer.from(bytesOf(b[k])), Buffer.from(bytesOf(a[k])))).toBe(0);
      }
      expect(loaded.inputs).toEqual(engine.inputs);
      expect(canonical(loaded.optimizedGraph())).toEqual(canonical(engine.optimizedGraph()));
      // Saving the loaded engine again keeps the provenance and gives the same graphs.
      expect(provenanceOf(loaded)?.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
      const again = readSparq(encodeSparq(loaded));
      expect(canonical(again.optimized)).toEqual(canonical(engine.optimizedGraph()));
      engine.dispose();
      loaded.dispose();
    });
  }
});

describe('.sparq contents', () => {
  test('recorded provenance (method, calibration stats) is written and read back', async () => {
    const engine = await Engine.load(join(FIXTURES, 'models', 'resnet-style.onnx'));
    recordProvenance(engine, { sourceName: 'resnet-style.onnx', method: 'int8 entropy', calibration: { samples: 100, method: 'entropy' } });
    const back = readSparq(encodeSparq(engine));
    expect(back.metadata.provenance).toMatchObject({ sourceName: 'resnet-style.onnx', method: 'int8 entropy', calibration: { samples: 100, method: 'entropy' } });
    expect(back.metadata.provenance.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(back.metadata.provenance.sourceHashOf).toBe('encoded-graph');
    expect(back.metadata.writer).toMatch(/^sparq \d+\.\d+\.\d+/);
    engine.dispose();
  });

  test('quantization parameters of a QDQ model are in the metadata', () => {
    const source = decodeModel(readFileSync(join(FIXTURES, 'fashion-mnist', 'resnet-fmnist-qdq.onnx')), {});
    const back = readSparq(encodeSparqGraphs(source, optimizeGraph(source), {}));
    expect(back.flags & FLAGS.quantized).toBe(FLAGS.quantized);
    const q = back.metadata.quantization;
    expect(q.length).toBeGreaterThan(10);
    const input = q.find((p) => p.opType === 'QuantizeLinear' && p.tensor === 'input');
    expect(input).toBeDefined();
    expect(input!.scale).toHaveLength(1);
    expect(input!.scale[0]).toBeGreaterThan(0);
    // qnnpack PTQ: per-tensor int8 weights (symmetric) next to uint8 activations.
    const weights = q.filter((p) => p.opType === 'DequantizeLinear' && p.type === 'int8');
    expect(weights.length).toBeGreaterThan(5);
    for (const w of weights) expect(w.zeroPoint).toEqual([0]);
  });

  test('2:4-sparse weights are stored compressed and come back bit for bit', async () => {
    const source = decodeModel(readFileSync(join(FIXTURES, 'models', 'resnet-style.onnx')), {});
    let pruned = 0;
    for (const [name, t] of source.initializers) {
      if (t.type !== 'float32' || t.dims.length !== 4 || t.data.length % 4 !== 0 || t.data.length < 64) continue;
      const w = Float32Array.from(t.data as Float32Array);
      // Keep the 2 largest magnitudes of every 4 (-0 stays: the encoding keeps sign bits): neighbours in flat order
      // for half the layers, 4 input channels at one kernel tap (stride kh*kw, as 2:4 pruning does) for the others.
      const stride = pruned % 2 && t.dims[1] % 4 === 0 ? t.dims[2] * t.dims[3] : 1;
      for (let block = 0; block < w.length; block += 4 * stride) {
        for (let j = 0; j < stride; j++) {
          const idx = [0, 1, 2, 3].map((k) => block + j + k * stride);
          const order = [...idx].sort((a, b) => Math.abs(w[b]) - Math.abs(w[a]));
          w[order[2]] = 0;
          w[order[3]] = 0;
        }
      }
      source.initializers.set(name, { ...t, data: w });
      pruned++;
    }
    expect(pruned).toBeGreaterThan(3);
    const engine = Engine.fromGraph(source, { threads: 1 });
    const compressed = encodeSparq(engine);
    const plain = encodeSparq(engine, { compress24: false });
    expect(decodeHeader(compressed).flags & FLAGS.sparse24).toBe(FLAGS.sparse24);
    expect(decodeHeader(plain).flags & FLAGS.sparse24).toBe(0);
    expect(compressed.length).toBeLessThan(plain.length * 0.85);
    const back = readSparq(compressed);
    const sparse = back.metadata.blobs.filter((b) => b.encoding === '2:4');
    expect(sparse.length).toBeGreaterThanOrEqual(pruned);
    expect(sparse.some((b) => b.groupStride === 9)).toBe(true);
    expect(sparse.some((b) => b.groupStride === 1)).toBe(true);
    expect(canonical(back.source)).toEqual(canonical(engine.sourceGraph()));
    // From a file: Engine.load reads a Buffer (whose slice() is a view), the case the decoder must not trip over.
    const file = join(dir, 'sparse24.sparq');
    writeFileSync(file, compressed);
    const loaded = await Engine.load(file);
    const feeds = feedsFor(engine, join(FIXTURES, 'models', 'resnet-style.input.npy'));
    const a = engine.runSync(feeds)[engine.outputs[0].name];
    const b = loaded.runSync(feeds)[engine.outputs[0].name];
    expect(Buffer.compare(Buffer.from(bytesOf(a)), Buffer.from(bytesOf(b)))).toBe(0);
    engine.dispose();
    loaded.dispose();
  });

  test('save writes the whole file at once (no partial file left behind) and rejects a bad path', async () => {
    const engine = await Engine.load(join(FIXTURES, 'models', 'tiny-transformer.onnx'));
    const file = join(dir, 'tiny.sparq');
    await engine.save(file);
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    expect(statSync(file).size).toBe(encodeSparq(engine).length);
    await expect(engine.save('' as string)).rejects.toThrow('Expected a file path for path but received ""');
    await expect(engine.save(join(dir, 'no-such-dir', 'x.sparq'))).rejects.toThrow(/ENOENT/);
    engine.dispose();
  });
});

describe('.sparq stored plans (format version 2) and older versions', () => {
  const model = join(FIXTURES, 'models', 'resnet-style.onnx');
  const input = join(FIXTURES, 'models', 'resnet-style.input.npy');
  let engine: Engine;
  let expected: Uint8Array;
  let bytes: Uint8Array;
  beforeAll(async () => {
    engine = await Engine.load(model, { threads: 1 });
    expected = bytesOf(Object.values(engine.runSync(feedsFor(engine, input)))[0]);
    bytes = encodeSparq(engine);
  });
  afterAll(() => engine.dispose());

  /** `bytes` with its metadata rewritten by `edit` and the header fixed up (as a writer of that content would). */
  function rewritten(edit: (json: Record<string, unknown>) => void, from = bytes): Uint8Array {
    const h = decodeHeader(from);
    const json = JSON.parse(Buffer.from(from.subarray(HEADER_BYTES, HEADER_BYTES + h.metadataBytes)).toString('utf8'));
    edit(json);
    const text = Buffer.from(JSON.stringify(json));
    expect(text.length).toBeLessThanOrEqual(h.metadataBytes);
    const out = Uint8Array.from(from);
    out.fill(0x20, HEADER_BYTES, HEADER_BYTES + h.metadataBytes); // JSON allows trailing spaces
    out.set(text, HEADER_BYTES);
    out.set(encodeHeader({ ...h, ...payloadChecksum(out, h.version, h.sourceOffset) }), 0);
    return out;
  }

  function outputOf(b: Uint8Array, threads: number): Uint8Array {
    const e = Engine.loadSync(b, { threads });
    try {
      return bytesOf(Object.values(e.runSync(feedsFor(e, input)))[0]);
    } finally {
      e.dispose();
    }
  }

  test('the stored plan shares the weight blobs (the file grows by less than 5%) and runs bit-identically on any thread count', () => {
    expect(readSparq(bytes).plans.size).toBe(1);
    expect(bytes.length).toBeLessThan(1.05 * encodeSparq(engine, { plans: false }).length);
    expect(Buffer.compare(Buffer.from(outputOf(bytes, 1)), Buffer.from(expected))).toBe(0);
    expect(Buffer.compare(Buffer.from(outputOf(bytes, 2)), Buffer.from(expected))).toBe(0);
  });

  test('a version-1 file (no plans, CRC32, source graph inline) still loads and compiles its plan', () => {
    const v1 = encodeSparq(engine, { formatVersion: 1 });
    expect(decodeHeader(v1).version).toBe(1);
    expect(readSparq(v1).metadata.plans).toBeUndefined();
    expect(readSparq(v1).plans.size).toBe(0);
    expect(Buffer.compare(Buffer.from(outputOf(v1, 1)), Buffer.from(expected))).toBe(0);
    const loaded = Engine.loadSync(v1, { threads: 1 });
    expect(canonical(loaded.sourceGraph())).toEqual(canonical(engine.sourceGraph()));
    loaded.dispose();
  });

  test('a version-2 file (plans, CRC32, source graph inline) loads with its plans, bit-identically', () => {
    const v2 = encodeSparq(engine, { formatVersion: 2 });
    const h = decodeHeader(v2);
    expect(h.version).toBe(2);
    expect(h.payloadHash).toBe(BigInt(0));
    expect(readSparq(v2).metadata.source).toBeDefined();
    expect(readSparq(v2).plans.size).toBe(1);
    expect(Buffer.compare(Buffer.from(outputOf(v2, 1)), Buffer.from(expected))).toBe(0);
    const loaded = Engine.loadSync(v2, { threads: 1 });
    expect(canonical(loaded.sourceGraph())).toEqual(canonical(engine.sourceGraph()));
    loaded.dispose();
    expect(() => encodeSparq(engine, { formatVersion: SPARQ_FORMAT_VERSION + 1 })).toThrow(RangeError);
  });

  test('version 3 stores the source graph JSON in a blob, decoded only when needed; a broken one fails then', () => {
    const h = decodeHeader(bytes);
    expect(h.version).toBe(3);
    expect(h.payloadCrc).toBe(0);
    const meta = readSparq(bytes).metadata;
    expect(meta.source).toBeUndefined();
    const blob = meta.blobs[meta.sourceBlob as number];
    expect(blob).toMatchObject({ encoding: 'raw', elementBytes: 1 });
    expect(canonical(readSparq(bytes).source)).toEqual(canonical(engine.sourceGraph()));
    // A source graph blob that is not JSON (checksum recomputed): the engine loads and runs, sourceGraph() says why it cannot.
    const broken = Uint8Array.from(bytes);
    broken[blob.offset] = 0x7b + 1;
    broken.set(encodeHeader({ ...h, ...payloadChecksum(broken, 3, h.sourceOffset) }), 0);
    const loaded = Engine.loadSync(broken, { threads: 1 });
    expect(Buffer.compare(Buffer.from(bytesOf(Object.values(loaded.runSync(feedsFor(loaded, input)))[0])), Buffer.from(expected))).toBe(0);
    expect(() => loaded.sourceGraph()).toThrow(ModelFormatError);
    expect(() => loaded.sourceGraph()).toThrow(/Expected a valid \.sparq file for the model bytes but its source graph is not valid JSON/);
    loaded.dispose();
    const missing = rewritten((json) => {
      json.sourceBlob = 99999;
      json.createdAt = ''; // room for the longer number
    });
    expect(() => Engine.loadSync(missing)).toThrow('Expected a valid .sparq file for the model bytes but its source graph blob (99999) is missing');
  });

  test('Engine.load(path) reads the source part of a version-3 file only when the source graph is first needed', async () => {
    const h = decodeHeader(bytes);
    expect(h.sourceOffset).toBeGreaterThan(HEADER_BYTES + h.metadataBytes);
    expect(h.sourceOffset).toBeLessThan(bytes.length * 0.6); // the BN-unfused source weights are the other half
    const file = join(dir, 'lazy-source.sparq');
    for (const load of [(f: string) => Engine.loadSync(f, { threads: 1 }), (f: string) => Engine.load(f, { threads: 1 })]) {
      writeFileSync(file, bytes);
      const intact = await load(file);
      expect(canonical(intact.sourceGraph())).toEqual(canonical(engine.sourceGraph()));
      intact.dispose();
      const loaded = await load(file);
      // The file changes after loading: the engine runs on what it read; its source graph is refused, saying why.
      const changed = Uint8Array.from(bytes);
      changed[bytes.length - 5] ^= 1;
      writeFileSync(file, changed);
      expect(Buffer.compare(Buffer.from(bytesOf(Object.values(loaded.runSync(feedsFor(loaded, input)))[0])), Buffer.from(expected))).toBe(0);
      expect(() => loaded.sourceGraph()).toThrow(
        `Expected a valid .sparq file for ${file} but its source part does not match its checksum (the file changed after it was loaded, or is corrupted)`,
      );
      rmSync(file);
      expect(() => loaded.sourceGraph()).toThrow(new RegExp(`Expected a valid \\.sparq file for .*lazy-source\\.sparq but its source part could not be read \\(ENOENT`));
      loaded.dispose();
    }
    // Truncated or extended files are refused by path as by bytes, wherever the cut falls.
    for (const n of [40, HEADER_BYTES + 10, h.sourceOffset - 1, h.sourceOffset, h.sourceOffset + 100, bytes.length - 1, bytes.length + 64]) {
      const cut = new Uint8Array(n);
      cut.set(bytes.subarray(0, n));
      writeFileSync(file, cut);
      expect(() => Engine.loadSync(file)).toThrow(ModelFormatError);
      await expect(Engine.load(file)).rejects.toThrow(/it is truncated|the file is truncated or has trailing data/);
    }
    // Saving a path-loaded engine over its own file reads the source part before writing.
    writeFileSync(file, bytes);
    const own = await Engine.load(file, { threads: 1 });
    await own.save(file);
    own.dispose();
    const again = Engine.loadSync(file, { threads: 1 });
    expect(canonical(again.sourceGraph())).toEqual(canonical(engine.sourceGraph()));
    again.dispose();
    // Loading the bytes themselves checks both parts at once.
    const flipped = Uint8Array.from(bytes);
    flipped[bytes.length - 5] ^= 1;
    expect(() => Engine.loadSync(flipped)).toThrow('Expected a valid .sparq file for the model bytes but its payload checksum (XXH64) does not match (the file is corrupted)');
  });

  test('a stored plan naming a missing blob is refused', () => {
    const bad = rewritten((json) => {
      const t = (json.plans as { tensors: { blob?: number }[] }[])[0].tensors.find((x) => x.blob !== undefined)!;
      t.blob = 99999;
      json.createdAt = ''; // room for the longer number
    });
    expect(() => Engine.loadSync(bad)).toThrow(ModelFormatError);
    expect(() => Engine.loadSync(bad)).toThrow(/Expected a valid \.sparq file for the model bytes but tensor \d+ of stored plan 0 names a blob that does not exist \(99999\)/);
  });
});

describe('.sparq errors', () => {
  let good: Uint8Array;
  beforeAll(async () => {
    const engine = await Engine.load(join(FIXTURES, 'models', 'tiny-transformer.onnx'));
    good = encodeSparq(engine);
    engine.dispose();
  });

  /** A copy of `good` with a new header (valid header CRC) built from `change`. */
  function withHeader(change: Partial<ReturnType<typeof decodeHeader>>): Uint8Array {
    const h = { ...decodeHeader(good), ...change };
    const out = Uint8Array.from(good);
    out.set(encodeHeader(h), 0);
    return out;
  }

  test('a file from a newer format version is refused, naming both versions', () => {
    expect(() => Engine.loadSync(withHeader({ version: 9 }))).toThrow(ModelFormatError);
    expect(() => Engine.loadSync(withHeader({ version: 9 }))).toThrow(
      'Expected a .sparq file of format version 3 or older for the model bytes but received version 9: it was written by a newer sparq; upgrade sparq to load it',
    );
  });

  test('unknown header flags are refused', () => {
    expect(() => Engine.loadSync(withHeader({ flags: 1 << 20 }))).toThrow(/Expected \.sparq header flags this sparq knows \(0x7\) for the model bytes but received 0x100000/);
  });

  test('a flipped payload byte fails the payload checksum: XXH64 from version 3, CRC32 before', () => {
    const bad = Uint8Array.from(good);
    bad[bad.length - 3] ^= 0x10;
    expect(() => Engine.loadSync(bad)).toThrow('Expected a valid .sparq file for the model bytes but its payload checksum (XXH64) does not match (the file is corrupted)');
    const engine = Engine.loadSync(good);
    const v2 = encodeSparq(engine, { formatVersion: 2 });
    engine.dispose();
    v2[v2.length - 3] ^= 0x10;
    expect(() => Engine.loadSync(v2)).toThrow('Expected a valid .sparq file for the model bytes but its payload checksum (CRC32) does not match (the file is corrupted)');
  });

  test('a flipped header byte fails the header checksum', () => {
    const bad = Uint8Array.from(good);
    bad[13] ^= 1;
    expect(() => Engine.loadSync(bad)).toThrow(/its header checksum does not match/);
    // From version 3 the header checksum also covers the payload hash and the reserved bytes 32..63.
    for (const at of [33, 50, 63]) {
      const flipped = Uint8Array.from(good);
      flipped[at] ^= 4;
      expect(() => Engine.loadSync(flipped)).toThrow('Expected a valid .sparq file for the model bytes but its header checksum does not match (the file is corrupted)');
    }
  });

  test('truncated files and trailing data are refused', () => {
    expect(() => Engine.loadSync(good.subarray(0, 40))).toThrow(/it is truncated \(40 bytes, shorter than the 64-byte header\)/);
    expect(() => Engine.loadSync(good.subarray(0, good.length - 1))).toThrow(/the file is truncated or has trailing data/);
    const longer = new Uint8Array(good.length + 64);
    longer.set(good);
    expect(() => Engine.loadSync(longer)).toThrow(/the file is truncated or has trailing data/);
  });

  test('a file path with corruption names the file', () => {
    const file = join(dir, 'corrupt.sparq');
    const bad = Uint8Array.from(good);
    bad[HEADER_BYTES + 5] ^= 0xff;
    writeFileSync(file, bad);
    expect(() => Engine.loadSync(file)).toThrow(`Expected a valid .sparq file for ${file} but its payload checksum (XXH64) does not match (the file is corrupted)`);
  });

  test('metadata that passes the checksum but does not match its blobs is refused', () => {
    const h = decodeHeader(good);
    const json = JSON.parse(Buffer.from(good.subarray(HEADER_BYTES, HEADER_BYTES + h.metadataBytes)).toString('utf8'));
    json.blobs[0].offset += 8; // no longer 64-byte aligned
    const text = Buffer.from(JSON.stringify(json));
    expect(text.length).toBeLessThanOrEqual(json.blobs[0].offset - 8 - HEADER_BYTES);
    const out = Uint8Array.from(good);
    out.fill(0x20, HEADER_BYTES, HEADER_BYTES + h.metadataBytes); // JSON allows trailing spaces
    out.set(text, HEADER_BYTES);
    out.set(encodeHeader({ ...h, ...payloadChecksum(out, h.version, h.sourceOffset) }), 0);
    expect(() => Engine.loadSync(out)).toThrow('Expected a valid .sparq file for the model bytes but blob 0 of its blob table is inconsistent with the file');
  });

  test('isSparqFile only looks at the magic', () => {
    expect(SPARQ_MAGIC).toBe('SPARQ\0');
    expect(isSparqFile(good)).toBe(true);
    expect(isSparqFile(new Uint8Array([0x53, 0x50]))).toBe(false);
    expect(isSparqFile(readFileSync(join(FIXTURES, 'models', 'resnet-style.onnx')))).toBe(false);
  });
});
