/** Shape rules of ops that only re-label data: Reshape, Flatten, Squeeze, Unsqueeze, and Transpose's permutation. */
import { attrInt, attrInts, hasAttr } from '../../ir/attributes';
import { elementCount } from '../../ir/tensor-values';
import { fmt, InferContext, ShapeRule } from './context';

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Reshape's target: 0 copies the input dim (unless allowzero), one -1 is inferred. */
export function reshapeTarget(ctx: InferContext, input: readonly number[], requested: readonly number[], allowZero: boolean): number[] {
  const out = [...requested];
  let inferred = -1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === -1) {
      if (inferred >= 0) ctx.fail(`shape ${fmt(requested)} has more than one -1`);
      inferred = i;
    } else if (out[i] === 0 && !allowZero) {
      if (i >= input.length) ctx.fail(`shape ${fmt(requested)} copies dim ${i} but the input ${fmt(input)} has rank ${input.length}`);
      out[i] = input[i];
    } else if (out[i] < 0 || !Number.isInteger(out[i])) ctx.fail(`shape ${fmt(requested)} has an invalid entry ${out[i]}`);
  }
  const total = product(input);
  if (inferred >= 0) {
    if (allowZero && out.includes(0)) ctx.fail(`shape ${fmt(requested)} combines -1 with 0 under allowzero`);
    const rest = product(out.filter((_, i) => i !== inferred));
    if (rest === 0 || total % rest !== 0) ctx.fail(`cannot reshape ${fmt(input)} to ${fmt(requested)}`);
    out[inferred] = total / rest;
  }
  if (product(out) !== total) ctx.fail(`cannot reshape ${fmt(input)} (${total} elements) to ${fmt(requested)}`);
  return out;
}

export const reshape: ShapeRule = (ctx) => {
  const requested = ctx.constantNumbers(1, 'shape');
  const allowZero = attrInt(ctx.node, 'allowzero', 0) !== 0;
  const shape = reshapeTarget(ctx, ctx.shape(0), requested, allowZero);
  elementCount(shape, `output of node '${ctx.node.name}'`);
  return [{ type: ctx.type(0), shape }];
};

export const flatten: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const raw = attrInt(ctx.node, 'axis', 1);
  if (raw < -x.length || raw > x.length) ctx.fail(`axis ${raw} is out of range for rank ${x.length}`);
  const axis = raw < 0 ? raw + x.length : raw;
  return [{ type: ctx.type(0), shape: [product(x.slice(0, axis)), product(x.slice(axis))] }];
};

/** Axes of Squeeze/Unsqueeze: an attribute before opset 13, an input from 13. */
function axesOf(ctx: InferContext): number[] | undefined {
  if (ctx.opset < 13 || hasAttr(ctx.node, 'axes')) return hasAttr(ctx.node, 'axes') ? attrInts(ctx.node, 'axes') : undefined;
  return ctx.optionalNumbers(1, 'axes');
}

export function squeezeShape(ctx: InferContext, x: readonly number[]): number[] {
  const axes = axesOf(ctx);
  if (axes === undefined) return x.filter((d) => d !== 1);
  const drop = new Set(axes.map((a) => ctx.axis(a, x.length, 'axes entry')));
  for (const a of drop) if (x[a] !== 1) ctx.fail(`cannot squeeze axis ${a} of size ${x[a]} in ${fmt(x)}`);
  return x.filter((_, i) => !drop.has(i));
}

export function unsqueezeShape(ctx: InferContext, x: readonly number[]): number[] {
  const axes = axesOf(ctx);
  if (axes === undefined) ctx.fail('axes are required');
  const rank = x.length + axes.length;
  const insert = new Set<number>();
  for (const a of axes) {
    const n = ctx.axis(a, rank, 'axes entry');
    if (insert.has(n)) ctx.fail(`axes ${fmt(axes)} repeat axis ${n}`);
    insert.add(n);
  }
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(insert.has(i) ? 1 : x[j++]);
  return out;
}

export const squeeze: ShapeRule = (ctx) => [{ type: ctx.type(0), shape: squeezeShape(ctx, ctx.shape(0)) }];
export const unsqueeze: ShapeRule = (ctx) => [{ type: ctx.type(0), shape: unsqueezeShape(ctx, ctx.shape(0)) }];

/** Transpose's permutation (default: reversed axes), checked to be a permutation of the rank. */
export function transposePerm(ctx: InferContext, rank: number): number[] {
  const perm = attrInts(ctx.node, 'perm', [...Array(rank).keys()].reverse());
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => !Number.isInteger(p) || p < 0 || p >= rank)) {
    ctx.fail(`perm ${fmt(perm)} is not a permutation of ${rank} axes`);
  }
  return perm;
}

export const transpose: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const perm = transposePerm(ctx, x.length);
  return [{ type: ctx.type(0), shape: perm.map((p) => x[p]) }];
};
