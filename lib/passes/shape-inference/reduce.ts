/** Shape rules of reductions and per-axis normalizations: Reduce*, ArgMax, Softmax, LogSoftmax. */
import { attrInt, attrInts, hasAttr } from '../../ir/attributes';
import { InferContext, ShapeRule } from './context';

/** Opset where the reduction's axes moved from an attribute to an input. */
const AXES_INPUT_OPSET: Record<string, number> = { ReduceSum: 13 };

/** Sorted unique non-negative axes being reduced; undefined = the node is a no-op (noop_with_empty_axes). */
export function reduceAxes(ctx: InferContext, rank: number): number[] | undefined {
  const fromInput = ctx.opset >= (AXES_INPUT_OPSET[ctx.node.opType] ?? 18);
  let axes: number[];
  if (fromInput && !hasAttr(ctx.node, 'axes')) axes = ctx.optionalNumbers(1, 'axes') ?? [];
  else axes = attrInts(ctx.node, 'axes', []);
  if (axes.length === 0) {
    if (attrInt(ctx.node, 'noop_with_empty_axes', 0) !== 0) return undefined;
    return [...Array(rank).keys()];
  }
  return [...new Set(axes.map((a) => ctx.axis(a, rank, 'axes entry')))].sort((a, b) => a - b);
}

export const reduce: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axes = reduceAxes(ctx, x.length);
  if (axes === undefined) return [{ type: ctx.type(0), shape: [...x] }];
  const keep = attrInt(ctx.node, 'keepdims', 1) !== 0;
  const shape: number[] = [];
  x.forEach((d, i) => {
    if (!axes.includes(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return [{ type: ctx.type(0), shape }];
};

export const argMax: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = ctx.axis(attrInt(ctx.node, 'axis', 0), x.length);
  const keep = attrInt(ctx.node, 'keepdims', 1) !== 0;
  const shape = keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis);
  return [{ type: 'int64', shape }];
};

/** Softmax/LogSoftmax keep the shape; before opset 13 the axis (default 1) is where the input is coerced to 2-D. */
export const softmax: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = attrInt(ctx.node, 'axis', ctx.opset < 13 ? 1 : -1);
  if (ctx.opset < 13) {
    if (axis < -x.length || axis > x.length) ctx.fail(`axis ${axis} is out of range for rank ${x.length}`);
  } else if (x.length > 0) ctx.axis(axis, x.length);
  return [{ type: ctx.type(0), shape: [...x] }];
};
