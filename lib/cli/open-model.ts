/** Opens MODEL for a command (ONNX or .sparq), recording the file's SHA-256 as provenance so a later save carries it. */
import { promises as fsp } from 'fs';
import * as path from 'path';
import { Engine } from '../engine';
import { isSparqFile } from '../format/sparq-reader';
import { recordProvenance, sha256Hex } from '../format/sparq-provenance';

export interface OpenedModel {
  engine: Engine;
  path: string;
  format: 'onnx' | 'sparq';
  bytes: Uint8Array;
  loadMs: number;
}

export async function openModel(file: string, threads?: number, isa?: string): Promise<OpenedModel> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    throw new Error(`Expected MODEL to be a readable .onnx or .sparq file but ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const options: { threads?: number; isa?: string } = {};
  if (threads !== undefined) options.threads = threads;
  if (isa !== undefined) options.isa = isa;
  const t0 = performance.now();
  // Loading from bytes keeps the path relative resolution of external data out; ONNX external data needs the path.
  const engine = await Engine.load(isSparqFile(bytes) ? bytes : file, options);
  const loadMs = performance.now() - t0;
  if (!isSparqFile(bytes)) recordProvenance(engine, { sourceSha256: sha256Hex(bytes), sourceHashOf: 'file', sourceName: path.basename(file) });
  return { engine, path: file, format: isSparqFile(bytes) ? 'sparq' : 'onnx', bytes, loadMs };
}
