/**
 * Fuzz test of the .sparq reader without libFuzzer: seeded bit flips, byte overwrites and truncations of a real
 * file always end in a thrown Error (a ModelFormatError when the checksum catches them), never a crash or a hang;
 * mutations of the metadata with a recomputed checksum either load or throw an Error.
 */
import { join } from 'path';
import { Engine, ModelFormatError } from '../lib';
import { encodeSparq } from '../lib/format/sparq-writer';
import { decodeHeader, encodeHeader, HEADER_BYTES } from '../lib/format/sparq-layout';
import { payloadChecksum } from '../lib/format/sparq-checksum';

/** xorshift32: the same mutants on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

let good: Uint8Array;
beforeAll(async () => {
  const engine = await Engine.load(join(__dirname, 'fixtures', 'models', 'unet-style.onnx'), { threads: 1 });
  good = encodeSparq(engine);
  engine.dispose();
  Engine.loadSync(good).dispose(); // the unmutated file loads
});

function outcome(bytes: Uint8Array): 'loaded' | Error {
  try {
    Engine.loadSync(bytes, { threads: 1 }).dispose();
    return 'loaded';
  } catch (err) {
    return err as Error;
  }
}

test('400 single bit flips anywhere are all refused with ModelFormatError', () => {
  const random = rng(0x5eed);
  for (let i = 0; i < 400; i++) {
    const bytes = Uint8Array.from(good);
    // Half the flips in the header and metadata, where the parser works, half anywhere.
    const limit = i % 2 ? bytes.length : HEADER_BYTES + decodeHeader(good).metadataBytes;
    const at = Math.floor(random() * limit);
    bytes[at] ^= 1 << Math.floor(random() * 8);
    const result = outcome(bytes);
    expect(result).toBeInstanceOf(ModelFormatError);
  }
});

test('200 random overwrites of 1-16 bytes are all refused with ModelFormatError', () => {
  const random = rng(0xbad5eed);
  for (let i = 0; i < 200; i++) {
    const bytes = Uint8Array.from(good);
    const at = Math.floor(random() * bytes.length);
    const n = 1 + Math.floor(random() * 16);
    let changed = false;
    for (let k = 0; k < n && at + k < bytes.length; k++) {
      const v = Math.floor(random() * 256);
      changed ||= v !== bytes[at + k];
      bytes[at + k] = v;
    }
    if (!changed) continue;
    expect(outcome(bytes)).toBeInstanceOf(ModelFormatError);
  }
});

test('every truncation length class is refused with ModelFormatError', () => {
  const random = rng(7);
  const lengths = [0, 1, 5, 6, 7, 63, 64, 65, HEADER_BYTES + 100, good.length - 1];
  for (let i = 0; i < 100; i++) lengths.push(Math.floor(random() * good.length));
  for (const n of lengths) {
    const result = outcome(good.subarray(0, n));
    expect(result).toBeInstanceOf(Error);
    // Fewer than 6 bytes is not recognizably .sparq: it is then an ONNX decode error, also a ModelFormatError.
    expect(result).toBeInstanceOf(ModelFormatError);
  }
});

test('300 metadata mutations with a recomputed checksum load or throw an Error, never crash', () => {
  const random = rng(0x1234);
  const header = decodeHeader(good);
  const alphabet = '{}[]",:0123456789-.eE truefalsnul';
  let errors = 0;
  for (let i = 0; i < 300; i++) {
    const bytes = Uint8Array.from(good);
    const flips = 1 + Math.floor(random() * 3);
    for (let k = 0; k < flips; k++) {
      const at = HEADER_BYTES + Math.floor(random() * header.metadataBytes);
      bytes[at] = alphabet.charCodeAt(Math.floor(random() * alphabet.length));
    }
    bytes.set(encodeHeader({ ...header, ...payloadChecksum(bytes, header.version, header.sourceOffset) }), 0);
    const result = outcome(bytes);
    if (result !== 'loaded') {
      expect(result).toBeInstanceOf(Error);
      expect(result.message.length).toBeGreaterThan(10);
      errors++;
    }
  }
  expect(errors).toBeGreaterThan(200); // most byte changes break the JSON or a reference
});
