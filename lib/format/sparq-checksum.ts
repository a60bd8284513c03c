/** The payload checksum of a .sparq file: XXH64 (native, ~10 GB/s) from format version 3, CRC32 (zlib, ~2 GB/s) before. */
import { native } from '../native';
import { crc32, SparqHeader } from './sparq-layout';

type Xxh64 = (bytes: Uint8Array) => bigint;

/** XXH64 (seed 0) of `bytes`, computed by the addon in place. */
export function xxh64(bytes: Uint8Array): bigint {
  const hash = (native() as unknown as { xxh64?: Xxh64 }).xxh64;
  if (!hash) throw new Error('Expected a native addon exporting xxh64 but received an older build: rebuild it (npm run build)');
  return hash(bytes);
}

/** The header's checksum fields for `payload` in format `version`. */
export function payloadChecksum(payload: Uint8Array, version: number): Pick<SparqHeader, 'payloadCrc' | 'payloadHash'> {
  return version >= 3 ? { payloadCrc: 0, payloadHash: xxh64(payload) } : { payloadCrc: crc32(payload), payloadHash: BigInt(0) };
}

/** Whether `payload` matches the checksum its header holds; the name of that checksum, for the error. */
export function checkPayload(payload: Uint8Array, header: SparqHeader): { ok: boolean; kind: string } {
  if (header.version >= 3) return { ok: xxh64(payload) === header.payloadHash, kind: 'XXH64' };
  return { ok: crc32(payload) === header.payloadCrc, kind: 'CRC32' };
}
