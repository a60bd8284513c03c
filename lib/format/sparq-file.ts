/**
 * Engine.load(path) reads model files through here: a .sparq file of format version 3 only up to its source part
 * (what the engine needs), the source part when the source graph is first needed; any other file whole.
 */
import { closeSync, fstatSync, openSync, promises as fsp, readSync } from 'fs';
import { decodeHeader, HEADER_BYTES, SPARQ_FORMAT_VERSION } from './sparq-layout';
import { isSparqFile, SparqFileRest } from './sparq-reader';

export interface ModelFile {
  /** The whole file, or of a version-3 .sparq file the bytes before its source part. */
  bytes: Uint8Array;
  rest?: SparqFileRest;
}

/** How many bytes to read first: the whole file unless `head` is a valid version-3 .sparq header placing a source part inside it. */
function firstPart(head: Uint8Array, size: number): number {
  if (head.length < HEADER_BYTES || !isSparqFile(head)) return size;
  const h = decodeHeader(head);
  const ok = h.headerCrcOk && h.version >= 3 && h.version <= SPARQ_FORMAT_VERSION && h.sourceOffset >= HEADER_BYTES && h.sourceOffset <= size;
  return ok ? h.sourceOffset : size;
}

/** Reads into `into` from file position `position` until it is full or the file ends; the bytes read. */
function readFully(fd: number, into: Uint8Array, position: number): number {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function restOf(path: string, size: number): SparqFileRest {
  return {
    fileBytes: size,
    read(offset: number): Uint8Array {
      const fd = openSync(path, 'r');
      try {
        const out = Buffer.allocUnsafeSlow(Math.max(0, fstatSync(fd).size - offset));
        return out.subarray(0, readFully(fd, out, offset));
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** @throws the file system's errors (ENOENT ...), as readFileSync. */
export function readModelFileSync(path: string): ModelFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.allocUnsafe(Math.min(size, HEADER_BYTES));
    readFully(fd, head, 0);
    const first = firstPart(head, size);
    // Its own ArrayBuffer at offset 0, so 64-byte-aligned blobs are aligned views.
    const bytes = Buffer.allocUnsafeSlow(first);
    bytes.set(head.subarray(0, first));
    const got = head.length + readFully(fd, bytes.subarray(head.length), head.length);
    return { bytes: bytes.subarray(0, got), rest: first < size ? restOf(path, size) : undefined };
  } finally {
    closeSync(fd);
  }
}

/** The same as readModelFileSync, without blocking. @throws (rejects) the file system's errors. */
export async function readModelFile(path: string): Promise<ModelFile> {
  const handle = await fsp.open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    const first = size < HEADER_BYTES ? size : firstPart((await handle.read(Buffer.allocUnsafe(HEADER_BYTES), 0, HEADER_BYTES, 0)).buffer, size);
    const bytes = Buffer.allocUnsafeSlow(first);
    let got = 0;
    while (got < first) {
      const { bytesRead } = await handle.read(bytes, got, first - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: bytes.subarray(0, got), rest: first < size ? restOf(path, size) : undefined };
  } finally {
    await handle.close();
  }
}
