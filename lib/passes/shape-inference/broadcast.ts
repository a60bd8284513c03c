/** Numpy-style broadcasting and the rules of element-wise ops (arithmetic, comparisons, Where, Expand). */
import type { DataType } from '../../ir/graph';
import { fmt, InferContext, ShapedType, ShapeRule } from './context';

/** The broadcast of `shapes`, or undefined when two dims disagree and neither is 1. */
export function tryBroadcast(shapes: readonly (readonly number[])[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else return undefined;
    }
  }
  return out;
}

/** Broadcast of the given inputs' shapes. @throws ModelFormatError naming node and shapes. */
export function broadcastInputs(ctx: InferContext, indices: number[]): number[] {
  const shapes = indices.map((i) => ctx.shape(i));
  const out = tryBroadcast(shapes);
  if (!out) ctx.fail(`cannot broadcast input shapes ${shapes.map(fmt).join(' and ')}`);
  return out;
}

function presentInputs(ctx: InferContext): number[] {
  const idx: number[] = [];
  for (let i = 0; i < ctx.inputCount; i++) if (ctx.has(i)) idx.push(i);
  return idx;
}

/** Add, Sub, Mul, Div, Pow, Min, Max, PRelu ...: output dtype of input 0, broadcast shape. */
export const broadcastSameType: ShapeRule = (ctx) => [{ type: ctx.type(0), shape: broadcastInputs(ctx, presentInputs(ctx)) }];

/** Equal, Less, Greater: bool. */
export const broadcastCompare: ShapeRule = (ctx) => [{ type: 'bool', shape: broadcastInputs(ctx, [0, 1]) }];

export const where: ShapeRule = (ctx) => [{ type: ctx.type(1), shape: broadcastInputs(ctx, [0, 1, 2]) }];

/** Expand broadcasts the input with the shape given as a constant (bidirectionally). */
export const expand: ShapeRule = (ctx) => {
  const target = ctx.constantNumbers(1, 'shape');
  const out = tryBroadcast([ctx.shape(0), target]);
  if (!out) return ctx.fail(`cannot expand shape ${fmt(ctx.shape(0))} to ${fmt(target)}`);
  return [{ type: ctx.type(0), shape: out }];
};

/** Unary ops keeping shape and dtype. */
export const sameAsInput: ShapeRule = (ctx) => ctx.node.outputs.map(() => ({ type: ctx.type(0), shape: [...ctx.shape(0)] }));

/** A unary op with a fixed output dtype. */
export function sameShapeAs(type: DataType): ShapeRule {
  return (ctx) => [{ type, shape: [...ctx.shape(0)] }];
}

/** Dropout: output like the input, optional mask bool of the same shape. */
export const dropout: ShapeRule = (ctx) => {
  const out: ShapedType[] = [{ type: ctx.type(0), shape: [...ctx.shape(0)] }];
  if (ctx.outputCount > 1) out.push({ type: 'bool', shape: [...ctx.shape(0)] });
  return out;
};
