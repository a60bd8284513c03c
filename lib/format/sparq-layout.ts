/** The fixed part of a .sparq file: 64-byte header (magic, version, flags, lengths, checksums), alignment, CRC32. */
import * as zlib from 'zlib';

/** The first bytes of every .sparq file. */
export const SPARQ_MAGIC = 'SPARQ\0';

/** The format version this build writes; it reads this and every older one. 2: compiled plans stored (sparq-plans.ts). */
export const SPARQ_FORMAT_VERSION = 2;

/** Header size; metadata starts right after it. */
export const HEADER_BYTES = 64;

/** Every weight blob starts at a multiple of this (file offset), so SIMD loads and typed-array views line up. */
export const BLOB_ALIGNMENT = 64;

/** Header flag bits. A reader refuses a file with a bit it does not know (it could change the meaning of the payload). */
export const FLAGS = {
  /** The optimized graph is stored: loading skips the optimization passes. */
  optimizedGraph: 1 << 0,
  /** The model holds int8 weights (QDQ). */
  quantized: 1 << 1,
  /** Some blobs are stored 2:4-compressed. */
  sparse24: 1 << 2,
} as const;

export const KNOWN_FLAGS = FLAGS.optimizedGraph | FLAGS.quantized | FLAGS.sparse24;

/**
 * Header layout (little-endian):
 *   0  magic "SPARQ\0"      6  u16 format version    8  u32 flags
 *  12  u32 metadata bytes  16  u64 payload bytes (everything after the header)
 *  24  u32 CRC32 of the payload   28  u32 CRC32 of header bytes 0..27   32..63 zero
 */
export interface SparqHeader {
  version: number;
  flags: number;
  metadataBytes: number;
  payloadBytes: number;
  payloadCrc: number;
}

const crcTable: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

type Crc32 = (data: Uint8Array, initial?: number) => number;
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** CRC32 (IEEE, as zlib): zlib's native one where node has it (>= 20.15), a table-driven one otherwise. */
export function crc32(data: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function alignUp(n: number, alignment = BLOB_ALIGNMENT): number {
  return Math.ceil(n / alignment) * alignment;
}

export function encodeHeader(h: SparqHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < SPARQ_MAGIC.length; i++) bytes[i] = SPARQ_MAGIC.charCodeAt(i);
  view.setUint16(6, h.version, true);
  view.setUint32(8, h.flags, true);
  view.setUint32(12, h.metadataBytes, true);
  view.setBigUint64(16, BigInt(h.payloadBytes), true);
  view.setUint32(24, h.payloadCrc, true);
  view.setUint32(28, crc32(bytes.subarray(0, 28)), true);
  return bytes;
}

/** Reads the header fields; the caller checks them (decodeHeader itself only needs 64 bytes). */
export function decodeHeader(bytes: Uint8Array): SparqHeader & { headerCrcOk: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const payload = view.getBigUint64(16, true);
  return {
    version: view.getUint16(6, true),
    flags: view.getUint32(8, true),
    metadataBytes: view.getUint32(12, true),
    payloadBytes: payload > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(payload),
    payloadCrc: view.getUint32(24, true),
    headerCrcOk: view.getUint32(28, true) === crc32(bytes.subarray(0, 28)),
  };
}
