/** Bilinear resize of NCHW float32 tensors, matching torch's F.interpolate(mode='bilinear', align_corners=False, antialias=False). */
import { expected } from '../errors';

/**
 * Source coordinates of every output index along one axis: half-pixel centres (src = (dst + 0.5) * in/out - 0.5),
 * negatives clamped to 0 as torch does, and the two neighbours with the weight of the upper one.
 */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  w: Float32Array;
}

/** Taps per (input, output) length: adaptive resolution resizes every image between the same few sizes. */
const tapCache = new Map<string, Taps>();
const TAP_CACHE_LIMIT = 64;

function axisTaps(inSize: number, outSize: number): Taps {
  const key = `${inSize}:${outSize}`;
  const cached = tapCache.get(key);
  if (cached) return cached;
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    lo[o] = i0;
    hi[o] = Math.min(i0 + 1, inSize - 1);
    w[o] = src - i0;
  }
  if (tapCache.size >= TAP_CACHE_LIMIT) tapCache.clear();
  tapCache.set(key, { lo, hi, w });
  return { lo, hi, w };
}

/**
 * Resizes `data` laid out as `dims` = [N, C, H, W] to [N, C, height, width]. Without antialiasing a large
 * downscale samples (does not average) the source, as torch does by default.
 * @throws TypeError / RangeError for data that does not match dims or sizes that are not positive integers.
 */
export function resizeBilinear(data: Float32Array, dims: readonly number[], height: number, width: number): Float32Array {
  if (!(data instanceof Float32Array)) throw new TypeError(expected('a Float32Array', 'data', data));
  if (!Array.isArray(dims) || dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(expected('NCHW dims [N, C, H, W] of positive integers', 'dims', dims));
  }
  for (const [v, name] of [[height, 'height'], [width, 'width']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(expected('a positive integer', name, v));
  }
  const [n, c, h, w] = dims;
  if (data.length !== n * c * h * w) throw new RangeError(expected(`${n * c * h * w} elements (dims ${dims.join('x')})`, 'data', `${data.length} elements`));
  if (h === height && w === width) return data.slice();
  const ys = axisTaps(h, height);
  const xs = axisTaps(w, width);
  const out = new Float32Array(n * c * height * width);
  for (let plane = 0; plane < n * c; plane++) {
    const src = plane * h * w;
    const dst = plane * height * width;
    for (let oy = 0; oy < height; oy++) {
      const r0 = src + ys.lo[oy] * w;
      const r1 = src + ys.hi[oy] * w;
      const wy = ys.w[oy];
      for (let ox = 0; ox < width; ox++) {
        const x0 = xs.lo[ox];
        const x1 = xs.hi[ox];
        const wx = xs.w[ox];
        const top = data[r0 + x0] + (data[r0 + x1] - data[r0 + x0]) * wx;
        const bottom = data[r1 + x0] + (data[r1 + x1] - data[r1 + x0]) * wx;
        out[dst + oy * width + ox] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}
