/** The payload checksum of a .sparq file: XXH64 (native, ~10 GB/s) from format version 3, CRC32 (zlib, ~2 GB/s) before. */
import { native } from '../native';
import { crc32, HEADER_BYTES, SparqHeader } from './sparq-layout';

type Xxh64 = (bytes: Uint8Array) => bigint;

/** XXH64 (seed 0) of `bytes`, computed by the addon in place. */
export function xxh64(bytes: Uint8Array): bigint {
  const hash = (native() as unknown as { xxh64?: Xxh64 }).xxh64;
  if (!hash) throw new Error('Expected a native addon exporting xxh64 but received an older build: rebuild it (npm run build)');
  return hash(bytes);
}

type Checksums = Pick<SparqHeader, 'payloadCrc' | 'payloadHash' | 'sourceOffset' | 'sourceHash'>;

/** The header's checksum fields for a whole `file` in format `version`; `sourceOffset` as the writer laid it out (version 3). */
export function payloadChecksum(file: Uint8Array, version: number, sourceOffset = file.length): Checksums {
  if (version < 3) return { payloadCrc: crc32(file.subarray(HEADER_BYTES)), payloadHash: BigInt(0), sourceOffset: 0, sourceHash: BigInt(0) };
  return { payloadCrc: 0, payloadHash: xxh64(file.subarray(HEADER_BYTES, sourceOffset)), sourceOffset, sourceHash: xxh64(file.subarray(sourceOffset)) };
}

/**
 * Whether `bytes` (the whole file, or from version 3 at least its first `header.sourceOffset` bytes) match the
 * checksums of its header; the name of the checksum, for the error. The source-only part is checked when present.
 */
export function checkPayload(bytes: Uint8Array, header: SparqHeader): { ok: boolean; kind: string } {
  if (header.version < 3) return { ok: crc32(bytes.subarray(HEADER_BYTES)) === header.payloadCrc, kind: 'CRC32' };
  let ok = xxh64(bytes.subarray(HEADER_BYTES, header.sourceOffset)) === header.payloadHash;
  if (ok && bytes.length > header.sourceOffset) ok = xxh64(bytes.subarray(header.sourceOffset)) === header.sourceHash;
  return { ok, kind: 'XXH64' };
}
