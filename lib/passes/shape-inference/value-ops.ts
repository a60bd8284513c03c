/** Shape rules of ops producing shapes or fills: Shape, Size, ConstantOfShape, Range, Cast. */
import { attrInt, attrTensor, hasAttr } from '../../ir/attributes';
import { dtypeFromCode, elementCount } from '../../ir/tensor-values';
import { InferContext, ShapeRule } from './context';

/** Shape's [start, end) window (opset 15), clamped like the spec. */
export function shapeWindow(ctx: InferContext, rank: number): [number, number] {
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrInt(ctx.node, 'start', 0));
  const end = hasAttr(ctx.node, 'end') ? clamp(attrInt(ctx.node, 'end')) : rank;
  return [start, Math.max(start, end)];
}

export const shape: ShapeRule = (ctx) => {
  const [start, end] = shapeWindow(ctx, ctx.rank(0));
  return [{ type: 'int64', shape: [end - start] }];
};

export const size: ShapeRule = () => [{ type: 'int64', shape: [] }];

export const constantOfShape: ShapeRule = (ctx) => {
  const dims = ctx.constantNumbers(0, 'shape');
  elementCount(dims, `output of node '${ctx.node.name}'`);
  const type = hasAttr(ctx.node, 'value') ? attrTensor(ctx.node, 'value').type : 'float32';
  return [{ type, shape: dims }];
};

/** Number of elements Range produces. */
export function rangeCount(ctx: InferContext, start: number, limit: number, delta: number): number {
  if (delta === 0 || !Number.isFinite(delta)) ctx.fail(`delta ${delta} must be non-zero`);
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  elementCount([n], `output of node '${ctx.node.name}'`);
  return n;
}

export const range: ShapeRule = (ctx) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => {
    const v = ctx.constantNumbers(i, ['start', 'limit', 'delta'][i]);
    if (v.length !== 1) ctx.fail(`input ${i} must be a scalar but has ${v.length} elements`);
    return v[0];
  });
  return [{ type: ctx.type(0), shape: [rangeCount(ctx, start, limit, delta)] }];
};

export const cast: ShapeRule = (ctx) => {
  const code = attrInt(ctx.node, 'to');
  const type = dtypeFromCode(code);
  if (!type) return ctx.fail(`unsupported target type ${code}`);
  return [{ type, shape: [...ctx.shape(0)] }];
};

