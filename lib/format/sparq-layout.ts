/** The fixed part of a .sparq file: 64-byte header (magic, version, flags, lengths, checksums), alignment, checksums. */
import * as zlib from 'zlib';

/** The first bytes of every .sparq file. */
export const SPARQ_MAGIC = 'SPARQ\0';

/**
 * The format version this build writes; it reads this and every older one. 2: compiled plans stored (sparq-plans.ts).
 * 3: payload checksum XXH64 instead of CRC32 (5x cheaper to check), source graph JSON in a blob (parsed on first use).
 */
export const SPARQ_FORMAT_VERSION = 3;

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
 *  24  u32 CRC32 of the payload (versions 1-2; 0 from version 3)
 *  28  u32 CRC32 of header bytes 0..27 (versions 1-2), of bytes 0..27 and 32..63 (version 3)
 * Version 3 (zero before): the file is [header, metadata, blobs the engine needs][blobs only the source graph needs],
 * so loading reads and checks the first part only:
 *  32  u64 XXH64 of bytes 64..sourceOffset-1   40  u64 sourceOffset   48  u64 XXH64 of bytes sourceOffset..end   56..63 zero
 */
export interface SparqHeader {
  version: number;
  flags: number;
  metadataBytes: number;
  payloadBytes: number;
  /** Versions 1-2. */
  payloadCrc: number;
  /** Version 3: XXH64 of the part the engine needs, where the source-only part starts, XXH64 of that part. */
  payloadHash: bigint;
  sourceOffset: number;
  sourceHash: bigint;
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

/** CRC32 (IEEE, as zlib), continuing from `initial` (a CRC of the bytes before): zlib's where node has it (>= 20.15). */
export function crc32(data: Uint8Array, initial = 0): number {
  if (nativeCrc32) return nativeCrc32(data, initial) >>> 0;
  let c = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** What the header CRC32 covers: bytes 0..27, and from version 3 also 32..63 (the payload hash and reserved bytes). */
function headerCrc(bytes: Uint8Array, version: number): number {
  const first = crc32(bytes.subarray(0, 28));
  return version >= 3 ? crc32(bytes.subarray(32, HEADER_BYTES), first) : first;
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
  if (h.version >= 3) {
    view.setBigUint64(32, h.payloadHash, true);
    view.setBigUint64(40, BigInt(h.sourceOffset), true);
    view.setBigUint64(48, h.sourceHash, true);
  } else {
    view.setUint32(24, h.payloadCrc, true);
  }
  view.setUint32(28, headerCrc(bytes, h.version), true);
  return bytes;
}

/** Reads the header fields; the caller checks them (decodeHeader itself only needs 64 bytes). */
export function decodeHeader(bytes: Uint8Array): SparqHeader & { headerCrcOk: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const safe = (v: bigint): number => (v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v));
  const version = view.getUint16(6, true);
  return {
    version,
    flags: view.getUint32(8, true),
    metadataBytes: view.getUint32(12, true),
    payloadBytes: safe(view.getBigUint64(16, true)),
    payloadCrc: view.getUint32(24, true),
    payloadHash: view.getBigUint64(32, true),
    sourceOffset: safe(view.getBigUint64(40, true)),
    sourceHash: view.getBigUint64(48, true),
    headerCrcOk: view.getUint32(28, true) === headerCrc(bytes, version),
  };
}
