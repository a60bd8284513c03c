/** A small PNG decoder on node's zlib (8/16-bit gray, gray+alpha, RGB, RGBA, palette; not interlaced); alpha is dropped. */
import { inflateSync } from 'zlib';
import { UnsupportedError } from '../errors';
import { DataFormatError } from './data-errors';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB). */
  channels: 1 | 3;
  /** height x width x channels, row-major. */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel of each PNG color type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-row filters in place; rows are `stride` bytes after their filter byte, `bpp` bytes per pixel. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, source: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const at = y * stride;
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? out[at + x - bpp] : 0;
      const up = y > 0 ? out[at - stride + x] : 0;
      const upLeft = y > 0 && x >= bpp ? out[at - stride + x - bpp] : 0;
      let v = row[x];
      if (filter === 1) v += left;
      else if (filter === 2) v += up;
      else if (filter === 3) v += (left + up) >> 1;
      else if (filter === 4) v += paeth(left, up, upLeft);
      else if (filter !== 0) throw new DataFormatError(`Expected a PNG row filter 0-4 for row ${y} of ${source} but received ${filter}`);
      out[at + x] = v & 0xff;
    }
  }
  return out;
}

/** @throws DataFormatError for a broken file, UnsupportedError for interlaced or low-bit-depth images. */
export function decodePng(bytes: Uint8Array, source: string): DecodedImage {
  if (!isPng(bytes)) throw new DataFormatError(`Expected a PNG signature at the start of ${source}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, depth = 0, colorType = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (data.length !== length) throw new DataFormatError(`Expected ${length} bytes of chunk ${type} in ${source} but the file ends first`);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      depth = bytes[at + 16];
      colorType = bytes[at + 17];
      if (bytes[at + 20] !== 0) throw new UnsupportedError(`Expected a non-interlaced PNG for ${source} but received an interlaced one`);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const samples = SAMPLES[colorType];
  if (!width || !height || samples === undefined) throw new DataFormatError(`Expected a PNG header with size and a known color type in ${source}`);
  if (depth !== 8 && !(depth === 16 && colorType !== 3)) throw new UnsupportedError(`Expected a PNG bit depth of 8 or 16 for ${source} but received ${depth}`);
  if (colorType === 3 && !palette) throw new DataFormatError(`Expected a PLTE chunk in the palette PNG ${source}`);
  if (!idat.length) throw new DataFormatError(`Expected IDAT image data in ${source} but found none (is the file truncated?)`);
  const bytesPerSample = depth / 8;
  const stride = width * samples * bytesPerSample;
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (err) {
    throw new DataFormatError(`Expected zlib-compressed image data in ${source} but inflating failed: ${(err as Error).message}`);
  }
  if (raw.length < height * (stride + 1)) throw new DataFormatError(`Expected ${height * (stride + 1)} bytes of image data in ${source} but received ${raw.length}`);
  const pixels = unfilter(raw, height, stride, samples * bytesPerSample, source);
  const channels: 1 | 3 = colorType === 0 || colorType === 4 ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const base = p * samples * bytesPerSample; // 16-bit samples: the high (first) byte
    if (colorType === 3) {
      const i = pixels[base] * 3;
      out.set(palette!.subarray(i, i + 3), p * 3);
    } else {
      for (let c = 0; c < channels; c++) out[p * channels + c] = pixels[base + c * bytesPerSample];
    }
  }
  return { width, height, channels, data: out };
}
