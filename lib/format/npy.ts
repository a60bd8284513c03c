/** Reads and writes NumPy .npy files (format v1/v2/v3, little-endian f4/f8/i1/u1/i4/i8/b1, C order). */
import { readFileSync, writeFileSync } from 'fs';
import { DataType } from '../ir/graph';
import { ModelFormatError, UnsupportedError, expected } from '../errors';

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/** A dense C-order array as stored in a .npy file. `bool` data is one byte per element (0 or 1). */
export interface NpyArray {
  type: DataType;
  dims: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

interface Kind {
  descr: string;
  type: DataType;
  bytes: number;
  make: (buffer: ArrayBuffer, length: number) => NpyData;
}

const KINDS: Kind[] = [
  { descr: '<f4', type: 'float32', bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  { descr: '<f8', type: 'float64', bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  { descr: '|i1', type: 'int8', bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
  { descr: '|u1', type: 'uint8', bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
  { descr: '<i4', type: 'int32', bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  { descr: '<i8', type: 'int64', bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  { descr: '|b1', type: 'bool', bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
];

const SUPPORTED = KINDS.map((k) => k.descr).join(', ');

// Typed arrays read and write the platform's byte order; .npy files here are little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function kindForDescr(descr: string, source: string): Kind {
  // numpy writes '<' for multi-byte types and '|' for one-byte types; '=' means native order.
  let normalized = descr;
  if (/^[<=|][iub]1$/.test(descr)) normalized = '|' + descr.slice(1);
  else if (descr.startsWith('=') && LITTLE_ENDIAN) normalized = '<' + descr.slice(1);
  const kind = KINDS.find((k) => k.descr === normalized);
  if (!kind) {
    throw new UnsupportedError(expected(`an npy dtype of ${SUPPORTED} (little-endian)`, `the descr of ${source}`, descr));
  }
  return kind;
}

function kindForType(type: DataType): Kind {
  const kind = KINDS.find((k) => k.type === type);
  if (!kind) {
    throw new TypeError(expected(`one of ${KINDS.map((k) => k.type).join(', ')}`, 'the npy array type', type));
  }
  return kind;
}

/** Parses the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
function parseHeader(text: string, source: string): { descr: string; fortran: boolean; dims: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    throw new ModelFormatError(expected("an npy header dict with 'descr', 'fortran_order' and 'shape'", source, text.trim()));
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const d = /^\d+L?$/.test(s) ? parseInt(s, 10) : NaN;
      if (!Number.isSafeInteger(d)) throw new ModelFormatError(expected('non-negative integer dims', `the shape of ${source}`, shape[1]));
      return d;
    });
  return { descr: descr[1], fortran: fortran[1] === 'True', dims };
}

/**
 * Decodes .npy bytes.
 * @throws ModelFormatError when the bytes are not a well-formed .npy file.
 * @throws UnsupportedError for dtypes other than f4/f8/i1/u1/i4/i8/b1, big-endian data or Fortran order.
 */
export function readNpy(bytes: Uint8Array, source = 'the npy data'): NpyArray {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(expected('a Uint8Array', 'the npy bytes', bytes));
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new ModelFormatError(expected('the npy magic "\\x93NUMPY"', source, `${bytes.length} bytes not starting with it`));
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ModelFormatError(expected('a complete npy v2 preamble', source, `${bytes.length} bytes`));
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new UnsupportedError(expected('npy format version 1, 2 or 3', source, `version ${major}.${bytes[7]}`));
  }
  if (headerStart + headerLength > bytes.length) {
    throw new ModelFormatError(expected(`a header of ${headerLength} bytes`, source, `${bytes.length - headerStart} bytes after the preamble`));
  }
  const headerBytes = bytes.subarray(headerStart, headerStart + headerLength);
  const text = major === 3 ? Buffer.from(headerBytes).toString('utf8') : Buffer.from(headerBytes).toString('latin1');
  const header = parseHeader(text, source);
  const kind = kindForDescr(header.descr, source);
  const count = header.dims.reduce((a, b) => a * b, 1);
  if (header.fortran && header.dims.filter((d) => d > 1).length > 1) {
    throw new UnsupportedError(expected('C-order data (fortran_order False)', source, 'fortran_order True'));
  }
  const dataStart = headerStart + headerLength;
  const byteLength = count * kind.bytes;
  if (bytes.length - dataStart !== byteLength) {
    throw new ModelFormatError(
      expected(`${byteLength} data bytes for shape [${header.dims.join(', ')}] of ${kind.descr}`, source, `${bytes.length - dataStart} bytes`),
    );
  }
  // Copy into a fresh buffer: the data offset is rarely aligned for the element size.
  const buffer = new ArrayBuffer(byteLength);
  new Uint8Array(buffer).set(bytes.subarray(dataStart, dataStart + byteLength));
  if (!LITTLE_ENDIAN && kind.bytes > 1) swapBytes(new Uint8Array(buffer), kind.bytes);
  return { type: kind.type, dims: header.dims, data: kind.make(buffer, count) };
}

/** Encodes an array as .npy (v1 header, or v2 when the header does not fit in 64 KiB). */
export function writeNpy(array: NpyArray): Uint8Array {
  const kind = kindForType(array.type);
  const { dims, data } = array;
  if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new TypeError(expected('an array of non-negative integer dims', 'the npy array dims', dims));
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (!ArrayBuffer.isView(data) || data.byteLength !== count * kind.bytes) {
    throw new TypeError(expected(`${count} ${array.type} elements for dims [${dims.join(', ')}]`, 'the npy array data', data));
  }
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  const dict = `{'descr': '${kind.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // The preamble + header is padded with spaces to a multiple of 64 bytes and ends with '\n'.
  let major = 1;
  let preamble = 10;
  let total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  if (total - preamble > 0xffff) {
    major = 2;
    preamble = 12;
    total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  }
  const header = dict.padEnd(total - preamble - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), preamble);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  if (!LITTLE_ENDIAN && kind.bytes > 1) swapBytes(out.subarray(total), kind.bytes);
  return out;
}

/** Reads a .npy file from disk (see readNpy). */
export function loadNpy(path: string): NpyArray {
  return readNpy(new Uint8Array(readFileSync(path)), path);
}

/** Writes a .npy file to disk (see writeNpy). */
export function saveNpy(path: string, array: NpyArray): void {
  writeFileSync(path, writeNpy(array));
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
