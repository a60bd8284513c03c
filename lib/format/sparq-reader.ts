/** PLACEHOLDER until the .sparq format lands (helper "product" replaces this file): recognizing and loading .sparq bytes. */
import type { Engine, EngineOptions } from '../engine';
import { UnsupportedError } from '../errors';

/** The first bytes of every .sparq file. */
export const SPARQ_MAGIC = 'SPARQ\0';

export function isSparqFile(bytes: Uint8Array): boolean {
  if (bytes.length < SPARQ_MAGIC.length) return false;
  for (let i = 0; i < SPARQ_MAGIC.length; i++) if (bytes[i] !== SPARQ_MAGIC.charCodeAt(i)) return false;
  return true;
}

export function loadSparq(bytes: Uint8Array, source: string, options: EngineOptions): Engine {
  void bytes;
  void options;
  throw new UnsupportedError(`Expected an ONNX model for ${source} but received a .sparq file, which this build cannot read yet`);
}
