/** Where an engine's model came from (source hash, method, calibration statistics): kept per engine, written into .sparq files. */
import { createHash } from 'crypto';
import type { Engine } from '../engine';

export interface SparqProvenance {
  /** SHA-256 (hex) of the source model file, or of the ONNX encoding of the source graph when no file is known. */
  sourceSha256?: string;
  /** What the hash was taken over: 'file' (the bytes the user gave) or 'encoded-graph'. */
  sourceHashOf?: 'file' | 'encoded-graph';
  /** File name (no directory) of the source model. */
  sourceName?: string;
  /** How the model was made from its source, e.g. 'int8 entropy per-channel', '2:4 magnitude'; absent for a plain copy. */
  method?: string;
  /** Calibration statistics when the model was calibrated (sample count, method, ranges ...). */
  calibration?: Record<string, unknown>;
  /** Accuracy or other metrics measured when the model was made. */
  metrics?: Record<string, number>;
}

const byEngine = new WeakMap<Engine, SparqProvenance>();

/** Attaches provenance to an engine (merged with what it already has); `engine.save` writes it. */
export function recordProvenance(engine: Engine, provenance: SparqProvenance): void {
  byEngine.set(engine, { ...byEngine.get(engine), ...provenance });
}

export function provenanceOf(engine: Engine): SparqProvenance | undefined {
  const p = byEngine.get(engine);
  return p ? { ...p } : undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
