/** engine.save: writes a .sparq file (header, JSON metadata with both graphs, 64-byte-aligned weight blobs, checksum). */
import { promises as fsp, readFileSync } from 'fs';
import * as path from 'path';
import type { Engine } from '../engine';
import { expected } from '../errors';
import type { Graph, TensorValue } from '../ir/graph';
import { encodeModel } from '../onnx/encode';
import { encodeGraph, GraphJson, TensorRef } from './sparq-graph-codec';
import { alignUp, encodeHeader, FLAGS, HEADER_BYTES, SPARQ_FORMAT_VERSION } from './sparq-layout';
import { payloadChecksum } from './sparq-checksum';
import { provenanceOf, sha256Hex, SparqProvenance } from './sparq-provenance';
import { quantParamsOf, QuantParam } from './sparq-quant-params';
import { encodeSparse24, isSparse24 } from './sparq-sparse24';
import { encodePlans, PlanJson } from './sparq-plans';
import type { CompiledPlan } from '../plan/compile';

/** One stored tensor's bytes: `offset` from the start of the file, a multiple of 64. */
export interface BlobEntry {
  offset: number;
  byteLength: number;
  /** 'raw': little-endian elements; '2:4': see sparq-sparse24.ts. */
  encoding: 'raw' | '2:4';
  elementBytes: number;
  elements: number;
  /** '2:4' only: distance between the 4 elements of a group (1: neighbours; kh*kw: input channels of a Conv weight). */
  groupStride?: number;
}

/** Everything in a .sparq file except the weight bytes. */
export interface SparqMetadata {
  format: 'sparq';
  version: number;
  writer: string;
  createdAt: string;
  provenance: SparqProvenance;
  quantization: QuantParam[];
  /** Format versions 1-2: the source graph inline. */
  source?: GraphJson;
  /** Format version 3: the blob holding the source graph's JSON (UTF-8), parsed only when the source is needed. */
  sourceBlob?: number;
  optimized: GraphJson;
  /** Format version 2: plans the engine had compiled, by input-shape signature. */
  plans?: PlanJson[];
  blobs: BlobEntry[];
}

export interface SaveOptions {
  /** Merged over what the engine already carries (see recordProvenance). */
  provenance?: SparqProvenance;
  /** Store 2:4-sparse tensors compressed (default true). */
  compress24?: boolean;
  /** Store the plans the engine has compiled (one per input shape it ran), so loading skips compiling them (default true). */
  plans?: boolean;
  /** The format version to write (default the newest, SPARQ_FORMAT_VERSION): 2 or 1 for older sparq versions to read. */
  formatVersion?: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** sparq's own version, from package.json next to lib/ or dist/. */
export function sparqVersion(): string {
  try {
    return JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Little-endian bytes of a typed array (a view on little-endian hosts). */
function littleEndianBytes(data: ArrayBufferView & { BYTES_PER_ELEMENT: number; length: number }): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const n = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += n) for (let b = 0; b < n; b++) out[i + b] = bytes[i + n - 1 - b];
  return out;
}

/** Collects tensor bytes; a data array shared by both graphs (or by two initializers) is stored once. */
class BlobTable {
  readonly entries: BlobEntry[] = [];
  readonly chunks: Uint8Array[] = [];
  private readonly seen = new Map<unknown, number>();
  /** Raw blobs by the memory they were read from, so a plan constant that views a stored weight reuses its blob. */
  private readonly ranges = new Map<ArrayBufferLike, Map<string, number>>();
  sparse24 = false;

  constructor(private readonly compress24: boolean) {}

  add = (t: TensorValue): TensorRef => {
    if (Array.isArray(t.data)) return { type: t.type, dims: [...t.dims], strings: [...t.data] };
    let index = this.seen.get(t.data);
    if (index === undefined) {
      const data = t.data as ArrayBufferView & { BYTES_PER_ELEMENT: number; length: number };
      let bytes = littleEndianBytes(data);
      const entry: BlobEntry = { offset: 0, byteLength: bytes.length, encoding: 'raw', elementBytes: data.BYTES_PER_ELEMENT, elements: data.length };
      // 2:4 groups of neighbours, or of 4 consecutive indices of dim 1 (Conv weights' input channels).
      const strides = this.compress24 ? [1, ...(t.dims.length > 2 ? [t.dims.slice(2).reduce((a, b) => a * b, 1)] : [])] : [];
      const stride = strides.find((s) => isSparse24(bytes, data.BYTES_PER_ELEMENT, s));
      if (stride !== undefined) {
        bytes = encodeSparse24(bytes, data.BYTES_PER_ELEMENT, stride);
        Object.assign(entry, { byteLength: bytes.length, encoding: '2:4', groupStride: stride });
        this.sparse24 = true;
      }
      index = this.push(entry, bytes);
      this.seen.set(t.data, index);
      if (entry.encoding === 'raw') this.remember(data, index);
    }
    return { type: t.type, dims: [...t.dims], blob: index };
  };

  /** Little-endian bytes stored as is (plan constants); the index of their blob. */
  addBytes = (bytes: Uint8Array): number => {
    const known = this.ranges.get(bytes.buffer)?.get(`${bytes.byteOffset}:${bytes.byteLength}`);
    if (known !== undefined) return known;
    const index = this.push({ offset: 0, byteLength: bytes.length, encoding: 'raw', elementBytes: 1, elements: bytes.length }, bytes);
    this.remember(bytes, index);
    return index;
  };

  private push(entry: BlobEntry, bytes: Uint8Array): number {
    this.entries.push(entry);
    this.chunks.push(bytes);
    return this.entries.length - 1;
  }

  private remember(view: ArrayBufferView, index: number): void {
    if (!LITTLE_ENDIAN) return;
    let byRange = this.ranges.get(view.buffer);
    if (!byRange) this.ranges.set(view.buffer, (byRange = new Map()));
    const key = `${view.byteOffset}:${view.byteLength}`;
    if (!byRange.has(key)) byRange.set(key, index);
  }
}

function isQuantized(g: Graph): boolean {
  return g.nodes.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear' || n.opType.startsWith('QLinear'));
}

/** The provenance written for `engine`: recorded provenance, `extra`, and a source hash when none was recorded. */
function provenanceFor(engine: Engine, source: Graph, extra: SparqProvenance | undefined): SparqProvenance {
  const p: SparqProvenance = { ...provenanceOf(engine), ...extra };
  if (!p.sourceSha256) {
    p.sourceSha256 = sha256Hex(encodeModel(source));
    p.sourceHashOf = 'encoded-graph';
  }
  return p;
}

/** The complete .sparq bytes of an engine. */
export function encodeSparq(engine: Engine, options: SaveOptions = {}): Uint8Array {
  const source = engine.sourceGraph();
  const plans = options.plans === false ? [] : engine.compiledPlans();
  return encodeSparqGraphs(source, engine.optimizedGraph(), provenanceFor(engine, source, options.provenance), options.compress24 !== false, plans, options.formatVersion);
}

/** The .sparq bytes of a source graph and its optimized form (`optimized` must be what optimizeGraph makes of `source`). */
export function encodeSparqGraphs(
  source: Graph,
  optimized: Graph,
  provenance: SparqProvenance,
  compress24 = true,
  plans: { signature: string; compiled: CompiledPlan }[] = [],
  version = SPARQ_FORMAT_VERSION,
): Uint8Array {
  if (!Number.isInteger(version) || version < 1 || version > SPARQ_FORMAT_VERSION) {
    throw new RangeError(expected(`a .sparq format version from 1 to ${SPARQ_FORMAT_VERSION}`, 'formatVersion', version));
  }
  const blobs = new BlobTable(compress24);
  // What the engine needs first, then what only the source graph needs (version 3 loading reads the first part only).
  const optimizedJson = encodeGraph(optimized, blobs.add);
  const plansJson = version >= 2 ? encodePlans(plans, blobs.addBytes) : undefined;
  const engineBlobs = blobs.entries.length;
  const sourceJson = encodeGraph(source, blobs.add);
  const metadata: SparqMetadata = {
    format: 'sparq',
    version,
    writer: `sparq ${sparqVersion()}`,
    createdAt: new Date().toISOString(),
    provenance,
    quantization: quantParamsOf(source),
    ...(version >= 3 ? { sourceBlob: blobs.addBytes(new TextEncoder().encode(JSON.stringify(sourceJson))) } : { source: sourceJson }),
    optimized: optimizedJson,
    ...(plansJson ? { plans: plansJson } : {}),
    blobs: blobs.entries,
  };
  // Blob offsets depend on the metadata length, which depends on the offsets' digits: iterate until stable.
  let json = '';
  let metadataBytes = 0;
  for (let guess = 0; ; ) {
    let offset = alignUp(HEADER_BYTES + guess);
    for (const b of blobs.entries) {
      b.offset = offset;
      offset = alignUp(offset + b.byteLength);
    }
    json = JSON.stringify(metadata);
    metadataBytes = Buffer.byteLength(json);
    if (alignUp(HEADER_BYTES + metadataBytes) === alignUp(HEADER_BYTES + guess)) break;
    guess = metadataBytes;
  }
  const last = blobs.entries[blobs.entries.length - 1];
  const total = last ? last.offset + last.byteLength : HEADER_BYTES + metadataBytes;
  const file = new Uint8Array(total);
  file.set(Buffer.from(json, 'utf8'), HEADER_BYTES);
  blobs.entries.forEach((b, i) => file.set(blobs.chunks[i], b.offset));
  let flags = FLAGS.optimizedGraph;
  if (isQuantized(source) || isQuantized(optimized)) flags |= FLAGS.quantized;
  if (blobs.sparse24) flags |= FLAGS.sparse24;
  const sourceOffset = engineBlobs < blobs.entries.length ? blobs.entries[engineBlobs].offset : total;
  file.set(encodeHeader({ version, flags, metadataBytes, payloadBytes: total - HEADER_BYTES, ...payloadChecksum(file, version, sourceOffset) }), 0);
  return file;
}

/**
 * Writes `engine` as a .sparq file at `filePath` (through a temporary file and a rename, so readers never see half a file).
 * @throws (rejects) TypeError for a bad path, the file system's errors.
 */
export async function saveSparq(engine: Engine, filePath: string, options?: SaveOptions): Promise<void> {
  if (typeof filePath !== 'string' || filePath === '') throw new TypeError(expected('a file path', 'path', filePath));
  const bytes = encodeSparq(engine, options);
  const temporary = `${filePath}.${process.pid}.partial`;
  await fsp.writeFile(temporary, bytes);
  await fsp.rename(temporary, filePath);
}
