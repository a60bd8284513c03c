/**
 * DATA loading for the CLI: .npy files and folders (with labels), PNG decoding (every row filter, gray / RGB /
 * RGBA / palette / 16-bit, written by an encoder in this test), image folders with class sub-folders, JSON manifests,
 * preprocessing, and the errors for data that does not fit.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { deflateSync } from 'zlib';
import { saveNpy, loadNpy } from '../lib/format/npy';
import { loadDataset } from '../lib/data/load-dataset';
import { decodePng } from '../lib/data/png-decode';
import { crc32 } from '../lib/format/sparq-layout';
import { resizeBilinear, imageToSample } from '../lib/data/image-preprocess';

const dir = mkdtempSync(join(tmpdir(), 'sparq-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A PNG of `samples` (height x width x spp bytes per sample of `depth` bits); row y uses filter y % 5. */
function encodePng(width: number, height: number, colorType: number, depth: number, samples: Uint8Array, palette?: Uint8Array): Buffer {
  const spp = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
  const bpp = (spp * depth) / 8;
  const stride = width * bpp;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const cur = samples[y * stride + x];
      const left = x >= bpp ? samples[y * stride + x - bpp] : 0;
      const up = y ? samples[(y - 1) * stride + x] : 0;
      const ul = y && x >= bpp ? samples[(y - 1) * stride + x - bpp] : 0;
      const pred = [0, left, up, (left + up) >> 1, paeth(left, up, ul)][f];
      raw[y * (stride + 1) + 1 + x] = (cur - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', palette)] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 37 + seed * 101 + ((i * i) >> 3)) & 0xff;
  return out;
}

describe('PNG decoding', () => {
  test('gray, RGB, RGBA (alpha dropped), palette and 16-bit images with all five row filters', () => {
    const w = 7, h = 11;
    const gray = pattern(w * h, 1);
    expect(decodePng(encodePng(w, h, 0, 8, gray), 'g.png')).toEqual({ width: w, height: h, channels: 1, data: gray });
    const rgb = pattern(w * h * 3, 2);
    expect(decodePng(encodePng(w, h, 2, 8, rgb), 'rgb.png').data).toEqual(rgb);
    const rgba = pattern(w * h * 4, 3);
    const expectedRgb = new Uint8Array(w * h * 3);
    for (let p = 0; p < w * h; p++) expectedRgb.set(rgba.subarray(p * 4, p * 4 + 3), p * 3);
    expect(decodePng(encodePng(w, h, 6, 8, rgba), 'rgba.png').data).toEqual(expectedRgb);
    const palette = pattern(16 * 3, 4);
    const indices = pattern(w * h, 5).map((v) => v % 16);
    const expectedPal = new Uint8Array(w * h * 3);
    indices.forEach((k, p) => expectedPal.set(palette.subarray(k * 3, k * 3 + 3), p * 3));
    expect(decodePng(encodePng(w, h, 3, 8, indices, palette), 'p.png').data).toEqual(expectedPal);
    const gray16 = pattern(w * h * 2, 6);
    expect(decodePng(encodePng(w, h, 0, 16, gray16), 'g16.png').data).toEqual(gray16.filter((_, i) => i % 2 === 0));
  });

  test('broken files say what is wrong', () => {
    const good = encodePng(4, 4, 0, 8, pattern(16, 1));
    expect(() => decodePng(good.subarray(0, 30), 'cut.png')).toThrow('Expected IDAT image data in cut.png but found none (is the file truncated?)');
    expect(() => decodePng(good.subarray(0, good.length - 20), 'cut2.png')).toThrow(/Expected \d+ bytes of chunk IDAT in cut2\.png but the file ends first/);
    expect(() => decodePng(Buffer.from('not a png at all'), 'x.png')).toThrow('Expected a PNG signature at the start of x.png');
    const interlaced = Buffer.from(good);
    interlaced[8 + 8 + 12] = 1;
    expect(() => decodePng(interlaced, 'i.png')).toThrow('Expected a non-interlaced PNG for i.png but received an interlaced one');
  });
});

describe('preprocessing', () => {
  test('bilinear resize keeps a constant image and averages neighbours halfway', () => {
    const flat = { width: 4, height: 4, channels: 1 as const, data: new Uint8Array(16).fill(77) };
    expect(resizeBilinear(flat, 9, 3).data.every((v) => v === 77)).toBe(true);
    const ramp = { width: 2, height: 1, channels: 1 as const, data: new Uint8Array([0, 200]) };
    // 2 -> 4 pixels, half-pixel centres: source x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1)
    expect(Array.from(resizeBilinear(ramp, 1, 4).data)).toEqual([0, 50, 150, 200]);
  });

  test('scale, mean/std per channel, BGR order, NCHW and NHWC', () => {
    const img = { width: 1, height: 2, channels: 3 as const, data: new Uint8Array([255, 0, 51, 0, 255, 102]) };
    const nchw = imageToSample(img, { size: [2, 1], channels: 'rgb', mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1] });
    expect(nchw.dims).toEqual([3, 2, 1]);
    expect(Array.from(nchw.data)).toEqual([1, -1, -2, 2, 0.2 - 0.5, 0.4 - 0.5].map(Math.fround));
    const bgr = imageToSample(img, { size: [2, 1], channels: 'bgr', layout: 'nhwc', scale: 1 });
    expect(bgr.dims).toEqual([2, 1, 3]);
    expect(Array.from(bgr.data)).toEqual([51, 0, 255, 102, 255, 0]);
    const gray = imageToSample(img, { size: [2, 1], channels: 'gray', scale: 1 });
    expect(Array.from(gray.data)).toEqual([Math.round(0.299 * 255 + 0.114 * 51), Math.round(0.587 * 255 + 0.114 * 102)]);
  });
});

describe('loadDataset', () => {
  test('a .npy file with the model rank is split along the first dim; labels from a file', async () => {
    const images = join(__dirname, 'fixtures', 'fashion-mnist', 'test-images.npy');
    const d = await loadDataset(images, { inputShape: ['batch', 1, 28, 28], labels: join(__dirname, 'fixtures', 'fashion-mnist', 'test-labels.npy'), limit: 30 });
    const ref = loadNpy(images);
    expect(d.dims).toEqual([1, 28, 28]);
    expect(d.samples).toHaveLength(30);
    expect(Array.from(d.samples[7])).toEqual(Array.from((ref.data as Float32Array).subarray(7 * 784, 8 * 784)));
    expect(d.labels).toEqual(Array.from(loadNpy(join(__dirname, 'fixtures', 'fashion-mnist', 'test-labels.npy')).data as BigInt64Array, Number).slice(0, 30));
  });

  test('a folder of .npy files (batched and single samples, sorted by name) with labels.npy', async () => {
    const folder = join(dir, 'npy');
    mkdirSync(folder);
    saveNpy(join(folder, 'a.npy'), { type: 'float32', dims: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i) });
    saveNpy(join(folder, 'b.npy'), { type: 'uint8', dims: [1, 3, 4], data: Uint8Array.from({ length: 12 }, (_, i) => 100 + i) });
    saveNpy(join(folder, 'labels.npy'), { type: 'int64', dims: [3], data: BigInt64Array.from([2n, 0n, 1n]) });
    const d = await loadDataset(folder, { inputShape: ['n', 3, 4] });
    expect(d.dims).toEqual([3, 4]);
    expect(d.samples.map((s) => s[0])).toEqual([0, 12, 100]);
    expect(d.labels).toEqual([2, 0, 1]);
  });

  test('class sub-folders of PNG images give labels and class names; size and channels from the model input', async () => {
    const root = join(dir, 'classes');
    for (const [k, cls] of ['cat', 'dog'].entries()) {
      mkdirSync(join(root, cls), { recursive: true });
      for (let i = 0; i < 2; i++) writeFileSync(join(root, cls, `${i}.png`), encodePng(8, 8, 2, 8, pattern(8 * 8 * 3, k * 10 + i)));
    }
    const d = await loadDataset(root, { inputShape: ['batch', 1, 4, 4] });
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(d.labels).toEqual([0, 0, 1, 1]);
    expect(d.dims).toEqual([1, 4, 4]);
    expect(d.samples[0].every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test('a JSON manifest of images and .npy samples with labels', async () => {
    const root = join(dir, 'manifest');
    mkdirSync(root);
    writeFileSync(join(root, 'x.png'), encodePng(2, 2, 0, 8, new Uint8Array([0, 255, 255, 0])));
    saveNpy(join(root, 'y.npy'), { type: 'float32', dims: [1, 2, 2], data: new Float32Array([9, 8, 7, 6]) });
    writeFileSync(join(root, 'set.json'), JSON.stringify({ samples: [{ file: 'x.png', label: 4 }, { file: 'y.npy', label: 1 }], image: { scale: 1 } }));
    const d = await loadDataset(join(root, 'set.json'), { inputShape: ['b', 1, 2, 2] });
    expect(d.labels).toEqual([4, 1]);
    expect(Array.from(d.samples[0])).toEqual([0, 255, 255, 0]);
    expect(Array.from(d.samples[1])).toEqual([9, 8, 7, 6]);
  });

  test('errors: missing path, wrong sample shape, too few labels, bad manifest, JPEG without sharp', async () => {
    await expect(loadDataset(join(dir, 'nope'))).rejects.toThrow(`Expected DATA to be a .npy file, a folder or a .json manifest but ${join(dir, 'nope')} does not exist`);
    const images = join(__dirname, 'fixtures', 'fashion-mnist', 'test-images.npy');
    await expect(loadDataset(images, { inputShape: ['b', 3, 28, 28] })).rejects.toThrow('Expected samples of shape [3, 28, 28] (the model input without its batch dim)');
    const few = join(dir, 'few.json');
    writeFileSync(few, '[1, 2]');
    await expect(loadDataset(images, { inputShape: ['b', 1, 28, 28], labels: few, limit: 5 })).rejects.toThrow('Expected a label for each of the 5 samples');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"samples": []}');
    await expect(loadDataset(bad)).rejects.toThrow('Expected a manifest with a non-empty "samples" array');
    const jpg = join(dir, 'photo.jpg');
    writeFileSync(jpg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
    let sharpInstalled = true;
    try {
      require.resolve('sharp');
    } catch {
      sharpInstalled = false;
    }
    if (!sharpInstalled) await expect(loadDataset(jpg)).rejects.toThrow('JPEG and WebP need the optional package sharp');
    else await expect(loadDataset(jpg)).rejects.toThrow(Error);
  });
});
