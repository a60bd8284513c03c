/** Shape rules of Gemm and MatMul (numpy matmul: 1-D promotion and broadcast batch dims), incl. fused bias/residual. */
import { attrInt } from '../../ir/attributes';
import { tryBroadcast } from './broadcast';
import { fmt, ShapeRule } from './context';

export const gemm: ShapeRule = (ctx) => {
  const a = ctx.shape(0);
  const b = ctx.shape(1);
  if (a.length !== 2 || b.length !== 2) ctx.fail(`inputs must be 2-D but received ${fmt(a)} and ${fmt(b)}`);
  const transA = attrInt(ctx.node, 'transA', 0) !== 0;
  const transB = attrInt(ctx.node, 'transB', 0) !== 0;
  const [m, k] = transA ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = transB ? [b[1], b[0]] : [b[0], b[1]];
  if (k !== kb) ctx.fail(`inner dimensions differ: A ${fmt(a)} (transA=${+transA}) and B ${fmt(b)} (transB=${+transB})`);
  const shape = [m, n];
  if (ctx.has(2)) {
    const c = ctx.shape(2);
    const bc = tryBroadcast([c, shape]);
    if (!bc || bc.length !== 2 || bc[0] !== m || bc[1] !== n) ctx.fail(`C shape ${fmt(c)} does not broadcast to ${fmt(shape)}`);
  }
  if (ctx.has(3) && fmt(ctx.shape(3)) !== fmt(shape)) ctx.fail(`residual shape ${fmt(ctx.shape(3))} differs from the output ${fmt(shape)}`);
  return [{ type: ctx.type(0), shape }];
};

/** numpy.matmul output shape, or a message saying why the shapes do not fit. */
export function matmulShape(a: readonly number[], b: readonly number[]): number[] | string {
  if (a.length === 0 || b.length === 0) return 'inputs must have rank >= 1';
  const a2 = a.length === 1 ? [1, a[0]] : [...a];
  const b2 = b.length === 1 ? [b[0], 1] : [...b];
  const k = a2[a2.length - 1];
  if (k !== b2[b2.length - 2]) return `inner dimensions differ: ${fmt(a)} and ${fmt(b)}`;
  const batch = tryBroadcast([a2.slice(0, -2), b2.slice(0, -2)]);
  if (!batch) return `batch dimensions of ${fmt(a)} and ${fmt(b)} do not broadcast`;
  const out = [...batch];
  if (a.length !== 1) out.push(a2[a2.length - 2]);
  if (b.length !== 1) out.push(b2[b2.length - 1]);
  return out;
}

export const matmul: ShapeRule = (ctx) => {
  const shape = matmulShape(ctx.shape(0), ctx.shape(1));
  if (typeof shape === 'string') return ctx.fail(shape);
  if (ctx.has(2)) {
    const n = ctx.shape(1).length === 1 ? 1 : ctx.shape(1)[ctx.shape(1).length - 1];
    if (fmt(ctx.shape(2)) !== fmt([n])) ctx.fail(`bias shape ${fmt(ctx.shape(2))} is not [${n}]`);
  }
  if (ctx.has(3) && fmt(ctx.shape(3)) !== fmt(shape)) ctx.fail(`residual shape ${fmt(ctx.shape(3))} differs from the output ${fmt(shape)}`);
  return [{ type: ctx.type(0), shape }];
};
