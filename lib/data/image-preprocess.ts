/** Turns decoded 8-bit images into model input: resize (bilinear), channel order, scale, mean/std, NCHW or NHWC. */
import type { DecodedImage } from './png-decode';

export interface ImageOptions {
  /** Target [height, width]; default: the model input's, else the image's own. */
  size?: [number, number];
  /** 'gray' (1 channel), 'rgb' or 'bgr' (3 channels); default: from the model input's channel dim (1 -> gray, else rgb). */
  channels?: 'gray' | 'rgb' | 'bgr';
  /** Default 'nchw'. */
  layout?: 'nchw' | 'nhwc';
  /** Pixel values are multiplied by this first (default 1/255, giving 0..1). */
  scale?: number;
  /** Subtracted per channel after scaling (one value, or one per channel). Default 0. */
  mean?: number[];
  /** Divided per channel after the mean. Default 1. */
  std?: number[];
}

/** Bilinear resize with half-pixel centers (as PIL / OpenCV INTER_LINEAR), any channel count. */
export function resizeBilinear(img: DecodedImage, height: number, width: number): DecodedImage {
  if (img.height === height && img.width === width) return img;
  const c = img.channels;
  const out = new Uint8Array(height * width * c);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number) => img.data[(yy * img.width + xx) * c + k];
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(y * width + x) * c + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, channels: img.channels, data: out };
}

function toChannels(img: DecodedImage, want: 'gray' | 'rgb' | 'bgr'): Uint8Array {
  const n = img.width * img.height;
  if (want === 'gray') {
    if (img.channels === 1) return img.data;
    const out = new Uint8Array(n);
    // ITU-R 601 luma, as PIL's convert('L').
    for (let p = 0; p < n; p++) out[p] = Math.round(0.299 * img.data[p * 3] + 0.587 * img.data[p * 3 + 1] + 0.114 * img.data[p * 3 + 2]);
    return out;
  }
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < 3; k++) {
      const from = img.channels === 1 ? img.data[p] : img.data[p * 3 + (want === 'bgr' ? 2 - k : k)];
      out[p * 3 + k] = from;
    }
  }
  return out;
}

/** One image as a float sample of dims [C, H, W] ('nchw') or [H, W, C] ('nhwc'). */
export function imageToSample(img: DecodedImage, options: Required<Pick<ImageOptions, 'size' | 'channels'>> & ImageOptions): { data: Float32Array; dims: number[] } {
  const [h, w] = options.size;
  const resized = resizeBilinear(img, h, w);
  const c = options.channels === 'gray' ? 1 : 3;
  const pixels = toChannels(resized, options.channels);
  const scale = options.scale ?? 1 / 255;
  const mean = options.mean ?? [0];
  const std = options.std ?? [1];
  const nhwc = options.layout === 'nhwc';
  const data = new Float32Array(h * w * c);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < c; k++) {
      const v = (pixels[p * c + k] * scale - mean[k % mean.length]) / std[k % std.length];
      data[nhwc ? p * c + k : k * h * w + p] = v;
    }
  }
  return { data, dims: nhwc ? [h, w, c] : [c, h, w] };
}
