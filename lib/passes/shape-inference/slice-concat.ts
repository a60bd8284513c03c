/** Shape rules of ops that select or join parts of tensors: Slice, Concat, Split, Gather, Pad. */
import { attrInt, attrInts, hasAttr } from '../../ir/attributes';
import { fmt, InferContext, ShapeRule } from './context';

export interface SliceParams {
  /** Per input axis: first element, step and element count (normalized: 0 <= start < dim when count > 0). */
  starts: number[];
  steps: number[];
  counts: number[];
}

/** Resolves Slice's starts/ends/axes/steps (negative, clamped, INT64 extremes) into per-axis start/step/count. */
export function sliceParams(ctx: InferContext, x: readonly number[]): SliceParams {
  const startsIn = ctx.constantNumbers(1, 'starts');
  const endsIn = ctx.constantNumbers(2, 'ends');
  if (startsIn.length !== endsIn.length) ctx.fail(`starts ${fmt(startsIn)} and ends ${fmt(endsIn)} differ in length`);
  const axesIn = ctx.optionalNumbers(3, 'axes') ?? startsIn.map((_, i) => i);
  const stepsIn = ctx.optionalNumbers(4, 'steps') ?? startsIn.map(() => 1);
  if (axesIn.length !== startsIn.length || stepsIn.length !== startsIn.length) {
    ctx.fail(`starts, ends, axes and steps must have the same length`);
  }
  const starts = x.map(() => 0);
  const steps = x.map(() => 1);
  const counts = [...x];
  const seen = new Set<number>();
  axesIn.forEach((rawAxis, i) => {
    const axis = ctx.axis(rawAxis, x.length, 'axes entry');
    if (seen.has(axis)) ctx.fail(`axes ${fmt(axesIn)} repeat axis ${axis}`);
    seen.add(axis);
    const dim = x[axis];
    const step = stepsIn[i];
    if (step === 0 || !Number.isFinite(step)) ctx.fail(`steps ${fmt(stepsIn)} contain ${step}`);
    let start = startsIn[i];
    let end = endsIn[i];
    if (start < 0) start += dim;
    // INT32_MAX / INT64_MAX as `end` means "to the end in the step's direction" (numpy's None), as in onnxruntime.
    if (end === 2147483647 || end >= 9223372036854775807) end = step < 0 ? -1 : dim;
    else if (end < 0) end += dim;
    let count: number;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
      count = end > start ? Math.ceil((end - start) / step) : 0;
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
      count = start > end ? Math.ceil((start - end) / -step) : 0;
    }
    starts[axis] = count > 0 ? start : 0;
    steps[axis] = step;
    counts[axis] = count;
  });
  return { starts, steps, counts };
}

export const slice: ShapeRule = (ctx) => [{ type: ctx.type(0), shape: sliceParams(ctx, ctx.shape(0)).counts }];

export function concatAxis(ctx: InferContext): number {
  return ctx.axis(attrInt(ctx.node, 'axis'), ctx.rank(0));
}

export const concat: ShapeRule = (ctx) => {
  const first = ctx.shape(0);
  const axis = concatAxis(ctx);
  const out = [...first];
  out[axis] = 0;
  for (let i = 0; i < ctx.inputCount; i++) {
    const s = ctx.shape(i);
    if (s.length !== first.length || s.some((d, j) => j !== axis && d !== first[j])) {
      ctx.fail(`input shapes ${fmt(first)} and ${fmt(s)} differ outside axis ${axis}`);
    }
    out[axis] += s[axis];
  }
  return [{ type: ctx.type(0), shape: out }];
};

/** Split sizes from the input (opset >= 13), the attribute (< 13), num_outputs (>= 18) or equal parts. */
export function splitSizes(ctx: InferContext, dim: number): number[] {
  const parts = ctx.outputCount;
  let sizes: number[] | undefined;
  if (ctx.opset >= 13 && ctx.has(1)) sizes = ctx.constantNumbers(1, 'split');
  else if (hasAttr(ctx.node, 'split')) sizes = attrInts(ctx.node, 'split');
  if (sizes) {
    if (sizes.length !== parts) ctx.fail(`split ${fmt(sizes)} does not have one entry per output (${parts})`);
    if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) ctx.fail(`split ${fmt(sizes)} does not add up to ${dim}`);
    return sizes;
  }
  if (hasAttr(ctx.node, 'num_outputs') && attrInt(ctx.node, 'num_outputs') !== parts) {
    ctx.fail(`num_outputs ${attrInt(ctx.node, 'num_outputs')} differs from the ${parts} outputs`);
  }
  if (dim % parts === 0) return new Array(parts).fill(dim / parts);
  if (ctx.opset < 18) ctx.fail(`dimension ${dim} does not split into ${parts} equal parts`);
  // Opset 18: every part ceil(dim / parts), the last one smaller.
  const chunk = Math.ceil(dim / parts);
  const sizesOut = new Array(parts).fill(chunk);
  sizesOut[parts - 1] = dim - chunk * (parts - 1);
  if (sizesOut[parts - 1] < 0) ctx.fail(`dimension ${dim} does not split into ${parts} parts`);
  return sizesOut;
}

export const split: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = ctx.axis(attrInt(ctx.node, 'axis', 0), x.length);
  return splitSizes(ctx, x[axis]).map((size) => {
    const shape = [...x];
    shape[axis] = size;
    return { type: ctx.type(0), shape };
  });
};

export const gather: ShapeRule = (ctx) => {
  const data = ctx.shape(0);
  const axis = ctx.axis(attrInt(ctx.node, 'axis', 0), data.length);
  const idx = ctx.shape(1);
  return [{ type: ctx.type(0), shape: [...data.slice(0, axis), ...idx, ...data.slice(axis + 1)] }];
};

/** Pad amounts per axis as [begin..., end...] over all input axes (axes input of opset 18 expanded). */
export function padAmounts(ctx: InferContext, x: readonly number[]): number[] {
  const pads = ctx.has(1) ? ctx.constantNumbers(1, 'pads') : attrInts(ctx.node, 'pads');
  const axes = ctx.optionalNumbers(3, 'axes')?.map((a) => ctx.axis(a, x.length, 'axes entry')) ?? x.map((_, i) => i);
  if (pads.length !== 2 * axes.length) ctx.fail(`pads ${fmt(pads)} need ${2 * axes.length} entries`);
  const full = new Array(2 * x.length).fill(0);
  axes.forEach((a, i) => {
    full[a] = pads[i];
    full[a + x.length] = pads[i + axes.length];
  });
  return full;
}

export const pad: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const pads = padAmounts(ctx, x);
  const shape = x.map((d, i) => d + pads[i] + pads[i + x.length]);
  if (shape.some((d) => d < 0)) ctx.fail(`pads ${fmt(pads)} make shape ${fmt(x)} negative`);
  return [{ type: ctx.type(0), shape }];
};
