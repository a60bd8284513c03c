/** Shape rules of the int8 ops: ONNX QDQ and integer / QLinear ops, and sparq's internal int8 ops (lib/ir/int8-ops.ts). */
import type { DataType } from '../../ir/graph';
import { int8OutputType } from '../../ir/int8-ops';
import type { ShapeRule } from './context';
import { convOutputShape } from './conv-pool';
import { matmulShape } from './linear';

/** QuantizeLinear: the zero point's type (uint8 when absent), the input's shape. */
export const quantizeLinear: ShapeRule = (ctx) => {
  const type: DataType = ctx.has(2) ? ctx.type(2) : 'uint8';
  return [{ type, shape: [...ctx.shape(0)] }];
};

export const dequantizeLinear: ShapeRule = (ctx) => [{ type: 'float32', shape: [...ctx.shape(0)] }];

/** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): y has y_zp's type. */
export const qlinearConv: ShapeRule = (ctx) => [{ type: ctx.type(7), shape: convOutputShape(ctx, 0, 3, 8) }];

/** ConvInteger(x, w, x_zp, w_zp): int32 accumulators. */
export const convInteger: ShapeRule = (ctx) => [{ type: 'int32', shape: convOutputShape(ctx, 0, 1) }];

function matmul(ctx: Parameters<ShapeRule>[0], a: number, b: number): number[] {
  const shape = matmulShape(ctx.shape(a), ctx.shape(b));
  if (typeof shape === 'string') return ctx.fail(shape);
  return shape;
}

/** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). */
export const qlinearMatMul: ShapeRule = (ctx) => [{ type: ctx.type(7), shape: matmul(ctx, 0, 3) }];

/** MatMulInteger(A, B, a_zp, b_zp): int32. */
export const matMulInteger: ShapeRule = (ctx) => [{ type: 'int32', shape: matmul(ctx, 0, 1) }];

/** sparq.QConv(x u8, W i8 [M, C/group, k...], B i32 [M]?, R?): Y u8 or f32 by the node's output_type. */
export const int8Conv: ShapeRule = (ctx) => [{ type: int8OutputType(ctx.node), shape: convOutputShape(ctx, 0, 1, 2) }];

/** sparq.QGemm(A u8 [..., K], W i8 [K, N], B?, R?): [..., N]. */
export const int8Gemm: ShapeRule = (ctx) => [{ type: int8OutputType(ctx.node), shape: matmul(ctx, 0, 1) }];

/** sparq.QuantizeLinear: the input's shape in output_type; sparq.DequantizeLinear: float32. */
export const int8Convert: ShapeRule = (ctx) => [{ type: int8OutputType(ctx.node), shape: [...ctx.shape(0)] }];
