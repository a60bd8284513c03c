/**
 * Input-adaptive resolution: classify at the smallest input size first and only pay for larger ones when the
 * prediction is not confident. One engine serves every size: its plan cache keeps one compiled plan per shape.
 */
import { Engine, PLAN_CACHE_SIZE } from '../engine';
import { expected } from '../errors';
import { Tensor } from '../tensor';
import { macsAtShapes } from './adaptive-macs';
import { resizeBilinear } from './resize-bilinear';

/** [height, width] of the image input. */
export type Resolution = readonly [number, number];

export interface AdaptiveResolutionOptions {
  /** Input sizes to try, smallest first: a number is a square size; the last one is the full resolution. */
  sizes: readonly (number | Resolution)[];
  /** Accept a size's prediction when its top softmax probability is at least this (0 < threshold <= 1). */
  threshold: number;
  /** The output holding the class scores (logits); default the model's last output. */
  output?: string;
}

export interface AdaptiveResult {
  /** Index into sizes of the resolution whose prediction was taken. */
  sizeIndex: number;
  resolution: Resolution;
  /** Top-1 class at that resolution. */
  label: number;
  /** Its softmax probability. */
  confidence: number;
  /** Sizes run for this input (sizeIndex + 1). */
  tried: number;
  /** MACs of every size run, summed. */
  macs: number;
  /** The judged output at the chosen resolution. */
  scores: Float32Array;
}

/** Top class and its softmax probability (max-shifted so large logits do not overflow). */
export function topSoftmax(scores: ArrayLike<number>): { label: number; confidence: number } {
  let label = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[label]) label = i;
  const top = scores[label];
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += Math.exp(scores[i] - top);
  return { label, confidence: 1 / sum };
}

function checkResolution(size: unknown, i: number): Resolution {
  const pair = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(expected('a positive integer or [height, width] of positive integers', `sizes[${i}]`, size));
  }
  return [pair[0], pair[1]];
}

/** Validated sizes: 1 to PLAN_CACHE_SIZE of them (more would evict each other's plans), strictly growing in pixels. */
export function checkSizes(sizes: unknown): Resolution[] {
  if (!Array.isArray(sizes) || sizes.length === 0) throw new TypeError(expected('a non-empty array of sizes', 'sizes', sizes));
  if (sizes.length > PLAN_CACHE_SIZE) {
    throw new RangeError(expected(`at most ${PLAN_CACHE_SIZE} sizes (the engine keeps ${PLAN_CACHE_SIZE} plans)`, 'sizes', `${sizes.length} sizes`));
  }
  const out = sizes.map(checkResolution);
  for (let i = 1; i < out.length; i++) {
    if (out[i][0] * out[i][1] <= out[i - 1][0] * out[i - 1][1]) {
      throw new RangeError(expected('sizes ordered smallest first', `sizes[${i}]`, `${out[i].join('x')} after ${out[i - 1].join('x')}`));
    }
  }
  return out;
}

export function checkThreshold(threshold: unknown, name = 'threshold'): number {
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) throw new RangeError(expected('a number in (0, 1]', name, threshold));
  return threshold;
}

/**
 * Runs one engine at several input resolutions and keeps, per input, the first confident prediction.
 *
 * ```ts
 * const adaptive = new AdaptiveResolution(engine, { sizes: [16, 20, 28], threshold: 0.9, output: 'logits' });
 * const { label, resolution, macs } = await adaptive.classify(image); // image: [1, 1, 28, 28]
 * ```
 */
export class AdaptiveResolution {
  readonly sizes: readonly Resolution[];
  readonly threshold: number;
  readonly output: string;
  /** The name of the image input. */
  readonly input: string;
  /** MACs of one run at each size. */
  readonly macsPerSize: readonly number[];

  /** @throws TypeError / RangeError for bad options or a model whose one image input is not NCHW with free H and W. */
  constructor(readonly engine: Engine, options: AdaptiveResolutionOptions) {
    if (!(engine instanceof Engine)) throw new TypeError(expected('an Engine', 'engine', engine));
    if (typeof options !== 'object' || options === null) throw new TypeError(expected('an options object', 'options', options));
    this.sizes = checkSizes(options.sizes);
    this.threshold = checkThreshold(options.threshold);
    const names = engine.outputs.map((o) => o.name);
    this.output = options.output ?? names[names.length - 1];
    if (!names.includes(this.output)) throw new RangeError(expected(`one of the model outputs (${names.join(', ')})`, 'output', options.output));
    if (engine.inputs.length !== 1) throw new RangeError(expected('a model with one input', 'engine', `${engine.inputs.length} inputs`));
    const input = engine.inputs[0];
    this.input = input.name;
    if (input.rankUnknown || input.shape.length !== 4) throw new RangeError(expected('an NCHW image input of rank 4', `input "${input.name}"`, `[${input.shape.join(', ')}]`));
    for (const axis of [2, 3]) {
      const d = input.shape[axis];
      if (typeof d === 'number' && this.sizes.some((s) => s[axis - 2] !== d)) {
        throw new RangeError(expected(`a symbolic ${axis === 2 ? 'height' : 'width'} (the model fixes it at ${d})`, `input "${input.name}"`, `[${input.shape.join(', ')}]`));
      }
    }
    const channels = typeof input.shape[1] === 'number' ? input.shape[1] : 1;
    this.macsPerSize = this.sizes.map(([h, w]) => macsAtShapes(engine, new Map([[input.name, [1, channels, h, w]]])));
  }

  /** The image resized to sizes[index] (the image itself when it already has that size). */
  resized(image: Tensor, index: number): Tensor {
    const [h, w] = this.sizes[index];
    if (image.dims[2] === h && image.dims[3] === w) return image;
    return new Tensor('float32', resizeBilinear(image.data as Float32Array, image.dims, h, w), [image.dims[0], image.dims[1], h, w]);
  }

  /** Runs sizes[index] on the image; the judged output's scores. */
  async scoresAt(image: Tensor, index: number): Promise<Float32Array> {
    const out = await this.engine.run({ [this.input]: this.resized(image, index) }, { outputs: [this.output] });
    return out[this.output].data as Float32Array;
  }

  /**
   * Classifies one image (float32 [1, C, H, W], any H x W: it is resized bilinearly to each size tried).
   * @throws (rejects) TypeError / RangeError for a tensor that is not one float32 NCHW image.
   */
  async classify(image: Tensor): Promise<AdaptiveResult> {
    if (!(image instanceof Tensor) || image.type !== 'float32' || image.dims.length !== 4 || image.dims[0] !== 1) {
      throw new TypeError(expected('a float32 Tensor [1, C, H, W]', 'image', image instanceof Tensor ? `${image.type} [${image.dims.join(', ')}]` : image));
    }
    let macs = 0;
    for (let i = 0; ; i++) {
      const scores = await this.scoresAt(image, i);
      macs += this.macsPerSize[i];
      const { label, confidence } = topSoftmax(scores);
      if (confidence >= this.threshold || i === this.sizes.length - 1) {
        return { sizeIndex: i, resolution: this.sizes[i], label, confidence, tried: i + 1, macs, scores };
      }
    }
  }
}
