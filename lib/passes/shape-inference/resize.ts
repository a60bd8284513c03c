/** Shape rule of Resize: output sizes from `sizes` or from floor(input * scale) in float32 like onnxruntime. */
import { attrInts, hasAttr } from '../../ir/attributes';
import { fmt, InferContext, ShapeRule } from './context';

/** Scales and sizes inputs moved between opsets 11 and 13 (both stay at indices 2 and 3); empty tensors mean absent. */
function nonEmpty(ctx: InferContext, i: number, what: string): number[] | undefined {
  if (!ctx.has(i)) return undefined;
  const v = ctx.constantNumbers(i, what);
  return v.length > 0 ? v : undefined;
}

/** Per-axis scale factors actually used by the resize (sizes / input when sizes are given). */
export function resizeScales(ctx: InferContext, x: readonly number[]): { scales: number[]; shape: number[] } {
  const axes = hasAttr(ctx.node, 'axes')
    ? attrInts(ctx.node, 'axes').map((a) => ctx.axis(a, x.length, 'axes entry'))
    : x.map((_, i) => i);
  const scalesIn = nonEmpty(ctx, 2, 'scales');
  const sizesIn = nonEmpty(ctx, 3, 'sizes');
  if ((scalesIn === undefined) === (sizesIn === undefined)) ctx.fail('exactly one of scales and sizes must be given');
  const scales = x.map(() => 1);
  const shape = [...x];
  if (scalesIn) {
    if (scalesIn.length !== axes.length) ctx.fail(`scales ${fmt(scalesIn)} need ${axes.length} entries`);
    axes.forEach((a, i) => {
      const s = Math.fround(scalesIn[i]);
      if (!(s > 0)) ctx.fail(`scales ${fmt(scalesIn)} must be positive`);
      scales[a] = s;
      shape[a] = Math.floor(Math.fround(s * x[a]));
    });
  } else {
    const sizes = sizesIn!;
    if (sizes.length !== axes.length) ctx.fail(`sizes ${fmt(sizes)} need ${axes.length} entries`);
    axes.forEach((a, i) => {
      if (!Number.isInteger(sizes[i]) || sizes[i] < 0) ctx.fail(`sizes ${fmt(sizes)} must be non-negative integers`);
      shape[a] = sizes[i];
      scales[a] = x[a] === 0 ? 1 : sizes[i] / x[a];
    });
  }
  return { scales, shape };
}

export const resize: ShapeRule = (ctx) => [{ type: ctx.type(0), shape: resizeScales(ctx, ctx.shape(0)).shape }];
