/** Recognizes and loads .sparq files: checks header and checksum, decodes the optimized graph on views of the weight blobs (the source graph when needed), skips the optimization passes. */
import { Engine, StoredPlans } from '../engine';
import { ModelFormatError, SparqError } from '../errors';
import type { DataType, Graph, TensorValue } from '../ir/graph';
import { ARRAY_OF_DATA_TYPE, decodeGraph, TensorRef } from './sparq-graph-codec';
import { BLOB_ALIGNMENT, decodeHeader, HEADER_BYTES, KNOWN_FLAGS, SPARQ_FORMAT_VERSION, SPARQ_MAGIC, SparqHeader } from './sparq-layout';
import { checkPayload, xxh64 } from './sparq-checksum';
import { recordProvenance } from './sparq-provenance';
import { decodeSparse24, sparse24Bytes } from './sparq-sparse24';
import { decodePlans } from './sparq-plans';
import type { BlobEntry, SparqMetadata } from './sparq-writer';

export { SPARQ_MAGIC };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether `bytes` starts with the .sparq magic (the rest is checked by loadSparq). */
export function isSparqFile(bytes: Uint8Array): boolean {
  if (bytes.length < SPARQ_MAGIC.length) return false;
  for (let i = 0; i < SPARQ_MAGIC.length; i++) if (bytes[i] !== SPARQ_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** A decoded .sparq file. */
export interface SparqContents {
  version: number;
  flags: number;
  metadata: SparqMetadata;
  /** Decoded on first access. @throws ModelFormatError when it does not decode. */
  readonly source: Graph;
  optimized: Graph;
  /** Compiled plans by input-shape signature (format version 2; empty before, or on big-endian hosts). */
  plans: StoredPlans;
}

function corrupt(source: string, what: string): ModelFormatError {
  return new ModelFormatError(`Expected a valid .sparq file for ${source} but ${what}`);
}

/** The typed array of one blob from its stored bytes: a view when alignment and byte order allow, a decoded copy otherwise. */
function blobData(stored: Uint8Array, blob: BlobEntry, type: DataType, elements: number): TensorValue['data'] {
  const Array = ARRAY_OF_DATA_TYPE[type as Exclude<DataType, 'string'>];
  if (blob.encoding === 'raw' && LITTLE_ENDIAN && stored.byteOffset % Array.BYTES_PER_ELEMENT === 0) return new Array(stored.buffer as ArrayBuffer, stored.byteOffset, elements);
  const raw = new Uint8Array(elements * Array.BYTES_PER_ELEMENT);
  if (blob.encoding === 'raw') raw.set(stored);
  else if (!decodeSparse24(stored, raw, Array.BYTES_PER_ELEMENT, blob.groupStride ?? 1)) throw new ModelFormatError('Expected 2:4 index bytes naming two distinct slots 0..3 but received others');
  if (!LITTLE_ENDIAN) {
    const n = Array.BYTES_PER_ELEMENT;
    for (let i = 0; i < raw.length; i += n) raw.subarray(i, i + n).reverse();
  }
  return new Array(raw.buffer as ArrayBuffer, 0, elements);
}

/** The rest of a .sparq file that Engine.load(path) did not read: from header.sourceOffset to the end (format version 3). */
export interface SparqFileRest {
  /** The file's length when its first part was read. */
  fileBytes: number;
  /** Reads the bytes from header.sourceOffset to the end. @throws the file system's errors. */
  read(sourceOffset: number): Uint8Array;
}

/** Checks the blob table against the file: in bounds, aligned, lengths matching their encoding. */
function checkBlobs(blobs: unknown, fileBytes: number, metadataEnd: number, source: string): BlobEntry[] {
  if (!Array.isArray(blobs)) throw corrupt(source, 'its blob table is missing');
  return blobs.map((b: BlobEntry, i) => {
    const ok =
      typeof b === 'object' && b !== null &&
      Number.isSafeInteger(b.offset) && Number.isSafeInteger(b.byteLength) && Number.isSafeInteger(b.elements) &&
      [1, 2, 4, 8].includes(b.elementBytes) && b.elements >= 0 &&
      b.offset % BLOB_ALIGNMENT === 0 && b.offset >= metadataEnd && b.offset + b.byteLength <= fileBytes &&
      ((b.encoding === 'raw' && b.byteLength === b.elements * b.elementBytes) ||
        (b.encoding === '2:4' && Number.isSafeInteger(b.groupStride ?? 1) && (b.groupStride ?? 1) >= 1 &&
          b.elements % (4 * (b.groupStride ?? 1)) === 0 && b.byteLength === sparse24Bytes(b.elements, b.elementBytes)));
    if (!ok) throw corrupt(source, `blob ${i} of its blob table is inconsistent with the file`);
    return b;
  });
}

/** A checked .sparq file: everything decoded but the source graph, which `decodeSource` decodes (each call anew). */
interface OpenedSparq {
  version: number;
  flags: number;
  metadata: SparqMetadata;
  optimized: Graph;
  plans: StoredPlans;
  decodeSource: () => Graph;
}

/** Checks header, checksum and blob table and decodes what an engine needs at once. @throws ModelFormatError. */
function openSparq(bytes: Uint8Array, source: string, rest?: SparqFileRest): OpenedSparq {
  if (!isSparqFile(bytes)) throw corrupt(source, 'it does not start with the .sparq magic');
  if (bytes.length < HEADER_BYTES) throw corrupt(source, `it is truncated (${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte header)`);
  const header = decodeHeader(bytes);
  if (!header.headerCrcOk) throw corrupt(source, 'its header checksum does not match (the file is corrupted)');
  if (header.version > SPARQ_FORMAT_VERSION) {
    throw new ModelFormatError(
      `Expected a .sparq file of format version ${SPARQ_FORMAT_VERSION} or older for ${source} but received version ${header.version}: it was written by a newer sparq; upgrade sparq to load it`,
    );
  }
  if (header.version < 1) throw corrupt(source, `its format version is ${header.version}`);
  if ((header.flags & ~KNOWN_FLAGS) !== 0) {
    throw new ModelFormatError(
      `Expected .sparq header flags this sparq knows (0x${KNOWN_FLAGS.toString(16)}) for ${source} but received 0x${header.flags.toString(16)}: it was written by a newer sparq; upgrade sparq to load it`,
    );
  }
  const fileBytes = rest ? rest.fileBytes : bytes.length;
  const payloadBytes = fileBytes - HEADER_BYTES;
  if (header.payloadBytes !== payloadBytes) {
    throw corrupt(source, `its length does not match its header (${fileBytes} bytes, the header says ${HEADER_BYTES + header.payloadBytes}): the file is truncated or has trailing data`);
  }
  if (header.metadataBytes > payloadBytes) throw corrupt(source, 'its metadata length exceeds the file');
  if (header.version >= 3 && (header.sourceOffset < HEADER_BYTES + header.metadataBytes || header.sourceOffset > fileBytes || header.sourceOffset > bytes.length)) {
    throw corrupt(source, `its source part offset (${header.sourceOffset}) is outside the file`);
  }
  const check = checkPayload(bytes, header);
  if (!check.ok) throw corrupt(source, `its payload checksum (${check.kind}) does not match (the file is corrupted)`);

  const metadata = parseJson(bytes.subarray(HEADER_BYTES, HEADER_BYTES + header.metadataBytes), source, 'its metadata') as SparqMetadata;
  if (typeof metadata !== 'object' || metadata === null || metadata.format !== 'sparq') throw corrupt(source, 'its metadata does not describe a sparq model');
  const blobs = checkBlobs(metadata.blobs, fileBytes, HEADER_BYTES + header.metadataBytes, source);
  // The bytes from bytes.length on (the source-only part Engine.load(path) did not read), read and checked when first needed.
  let tail: Uint8Array | undefined;
  const stored = (blob: BlobEntry, index: number): Uint8Array => {
    const end = blob.offset + blob.byteLength;
    if (end <= bytes.length) return bytes.subarray(blob.offset, end);
    if (blob.offset < bytes.length || !rest) throw corrupt(source, `blob ${index} crosses the start of its source part`);
    if (!tail) tail = readRest(rest, header, source);
    return tail.subarray(blob.offset - bytes.length, end - bytes.length);
  };
  const cache = new Map<number, TensorValue['data']>();
  const tensor = (ref: unknown, where: string): TensorValue => {
    const r = ref as TensorRef;
    const dims = r && Array.isArray(r.dims) && r.dims.every((d) => Number.isSafeInteger(d) && d >= 0) ? r.dims : undefined;
    if (!dims) throw corrupt(source, `the tensor at ${where} has no valid dims`);
    const elements = dims.reduce((a, b) => a * b, 1);
    if (r.type === 'string') {
      if (!Array.isArray(r.strings) || r.strings.length !== elements || !r.strings.every((s) => typeof s === 'string')) throw corrupt(source, `the string tensor at ${where} does not match its dims`);
      return { type: 'string', dims: [...dims], data: [...r.strings] };
    }
    const Array_ = Object.prototype.hasOwnProperty.call(ARRAY_OF_DATA_TYPE, r.type) ? ARRAY_OF_DATA_TYPE[r.type as Exclude<DataType, 'string'>] : undefined;
    const blob = Number.isInteger(r.blob) ? blobs[r.blob as number] : undefined;
    if (!Array_ || !blob || blob.elements !== elements || blob.elementBytes !== Array_.BYTES_PER_ELEMENT) {
      throw corrupt(source, `the tensor at ${where} does not match its blob (type ${String(r.type)}, blob ${String(r.blob)})`);
    }
    let data = cache.get(r.blob as number);
    if (!data) {
      data = blobData(stored(blob, r.blob as number), blob, r.type, elements);
      cache.set(r.blob as number, data);
    }
    return { type: r.type, dims: [...dims], data };
  };
  const blobBytes = (index: number): Uint8Array | undefined => {
    const blob = blobs[index];
    if (!blob) return undefined;
    const type = ({ 1: 'uint8', 2: 'float16', 4: 'float32', 8: 'int64' } as Record<number, DataType>)[blob.elementBytes];
    const data = blobData(stored(blob, index), blob, type, blob.elements) as ArrayBufferView;
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  };
  let plans: StoredPlans;
  try {
    // Plan constants are little-endian bytes: a big-endian host compiles its plans instead.
    plans = LITTLE_ENDIAN ? decodePlans(metadata.plans, blobBytes) : new Map();
  } catch (err) {
    throw corrupt(source, (err as Error).message);
  }
  // The source graph (for quantize, prune, exportOnnx, save) is parsed and decoded when first needed; only its place is checked here.
  let sourceJson: () => unknown = () => metadata.source;
  if (header.version >= 3) {
    const blob = Number.isInteger(metadata.sourceBlob) ? blobs[metadata.sourceBlob as number] : undefined;
    if (!blob || blob.encoding !== 'raw' || blob.elementBytes !== 1) throw corrupt(source, `its source graph blob (${String(metadata.sourceBlob)}) is missing`);
    sourceJson = () => parseJson(stored(blob, metadata.sourceBlob as number), source, 'its source graph');
  }
  return {
    version: header.version,
    flags: header.flags,
    metadata,
    optimized: decodeGraph(metadata.optimized, 'optimized', tensor),
    plans,
    decodeSource: () => decodeGraph(sourceJson(), 'source', tensor),
  };
}

/** The source-only part of a file loaded by path, read now and checked against the header's hash. */
function readRest(rest: SparqFileRest, header: SparqHeader, source: string): Uint8Array {
  let tail: Uint8Array;
  try {
    tail = rest.read(header.sourceOffset);
  } catch (err) {
    throw corrupt(source, `its source part could not be read (${(err as Error).message})`);
  }
  if (tail.length !== rest.fileBytes - header.sourceOffset || xxh64(tail) !== header.sourceHash) {
    throw corrupt(source, 'its source part does not match its checksum (the file changed after it was loaded, or is corrupted)');
  }
  return tail;
}

function parseJson(utf8: Uint8Array, source: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(utf8.buffer, utf8.byteOffset, utf8.byteLength).toString('utf8'));
  } catch (err) {
    throw corrupt(source, `${what} is not valid JSON (${(err as Error).message})`);
  }
}

/** Decodes and checks a .sparq file without building an engine (`source` is decoded on first access). @throws ModelFormatError for newer, truncated or corrupted files. */
export function readSparq(bytes: Uint8Array, source = 'the model bytes'): SparqContents {
  const opened = openSparq(bytes, source);
  let sourceGraph: Graph | undefined;
  return {
    version: opened.version,
    flags: opened.flags,
    metadata: opened.metadata,
    get source(): Graph {
      return (sourceGraph ??= opened.decodeSource());
    },
    optimized: opened.optimized,
    plans: opened.plans,
  };
}

/**
 * An engine for .sparq bytes: the stored optimized graph and plans are used as they are (no passes, no calibration,
 * no copies); the source graph is decoded when first needed.
 * @throws ModelFormatError for newer, truncated, corrupted or inconsistent files; UnsupportedError as Engine.load.
 */
export function loadSparq(bytes: Uint8Array, source: string, options: { threads: number; isa: string; maxMemoryBytes?: number }, rest?: SparqFileRest): Engine {
  const opened = openSparq(bytes, source, rest);
  let engine: Engine;
  try {
    // A memory cap is checked while compiling, so a capped engine compiles its plans.
    const plans = options.maxMemoryBytes === undefined ? opened.plans : undefined;
    engine = Engine.fromStored(opened.decodeSource, opened.optimized, options, plans);
  } catch (err) {
    if (err instanceof SparqError || err instanceof TypeError || err instanceof RangeError) throw err;
    throw corrupt(source, `its graphs could not be built into an engine (${err instanceof Error ? err.message : String(err)})`);
  }
  recordProvenance(engine, opened.metadata.provenance ?? {});
  return engine;
}
