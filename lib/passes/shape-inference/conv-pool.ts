/** Shape rules of convolutions and pooling: auto_pad, ceil_mode, dilations, output_shape/output_padding. */
import { attrInt, attrInts, attrString } from '../../ir/attributes';
import { fmt, InferContext, ShapeRule } from './context';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [begin..., end...] as in ONNX. */
  pads: number[];
  autoPad: string;
}

function readWindow(ctx: InferContext, spatial: number, kernelFallback: number[] | undefined): Window {
  const n = ctx.node;
  const kernel = attrInts(n, 'kernel_shape', kernelFallback);
  if (kernel.length !== spatial) ctx.fail(`kernel_shape ${fmt(kernel)} does not match ${spatial} spatial dims`);
  const strides = attrInts(n, 'strides', new Array(spatial).fill(1));
  const dilations = attrInts(n, 'dilations', new Array(spatial).fill(1));
  const pads = attrInts(n, 'pads', new Array(2 * spatial).fill(0));
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  if (strides.length !== spatial) ctx.fail(`strides ${fmt(strides)} do not match ${spatial} spatial dims`);
  if (dilations.length !== spatial) ctx.fail(`dilations ${fmt(dilations)} do not match ${spatial} spatial dims`);
  if (pads.length !== 2 * spatial) ctx.fail(`pads ${fmt(pads)} do not have ${2 * spatial} entries`);
  if (kernel.some((k) => k < 1) || strides.some((s) => s < 1) || dilations.some((d) => d < 1)) {
    ctx.fail(`kernel_shape ${fmt(kernel)}, strides ${fmt(strides)} and dilations ${fmt(dilations)} must be positive`);
  }
  if (pads.some((p) => p < 0)) ctx.fail(`pads ${fmt(pads)} must be non-negative`);
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) ctx.fail(`unknown auto_pad '${autoPad}'`);
  return { kernel, strides, dilations, pads, autoPad };
}

/**
 * Output spatial sizes of a convolution or pooling window, and the explicit pads that auto_pad implies
 * (SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning).
 */
export function windowOutput(
  ctx: InferContext,
  input: readonly number[],
  w: Window,
  ceilMode: boolean,
): { out: number[]; pads: number[] } {
  const spatial = input.length;
  const out: number[] = [];
  const pads = [...w.pads];
  for (let i = 0; i < spatial; i++) {
    const dk = (w.kernel[i] - 1) * w.dilations[i] + 1;
    const s = w.strides[i];
    let o: number;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
      o = Math.ceil(input[i] / s);
      const total = Math.max(0, (o - 1) * s + dk - input[i]);
      const small = Math.floor(total / 2);
      pads[i] = w.autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + spatial] = total - pads[i];
    } else {
      if (w.autoPad === 'VALID') {
        pads[i] = 0;
        pads[i + spatial] = 0;
      }
      const span = input[i] + pads[i] + pads[i + spatial] - dk;
      if (span < 0) {
        ctx.fail(`input spatial size ${fmt(input)} is smaller than the dilated kernel ${fmt(w.kernel)} with pads ${fmt(pads)}`);
      }
      o = (ceilMode ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
      // A window that would start entirely in the end padding is dropped (onnxruntime and PyTorch agree).
      if (ceilMode && (o - 1) * s >= input[i] + pads[i]) o--;
    }
    out.push(o);
  }
  return { out, pads };
}

function checkFusedResidual(ctx: InferContext, index: number, out: number[]): void {
  if (ctx.has(index) && !sameDims(ctx.shape(index), out)) {
    ctx.fail(`residual input shape ${fmt(ctx.shape(index))} differs from the output shape ${fmt(out)}`);
  }
}

/** Output shape of a convolution of input `xIndex` with weights `wIndex` (bias checked when `biasIndex` is given). */
export function convOutputShape(ctx: InferContext, xIndex: number, wIndex: number, biasIndex?: number): number[] {
  const x = ctx.shape(xIndex);
  const w = ctx.shape(wIndex);
  if (x.length < 3) ctx.fail(`input shape ${fmt(x)} needs rank >= 3`);
  if (w.length !== x.length) ctx.fail(`weight shape ${fmt(w)} does not match input shape ${fmt(x)}`);
  const group = attrInt(ctx.node, 'group', 1);
  if (group < 1 || x[1] !== w[1] * group) {
    ctx.fail(`input channels ${x[1]} do not match weight shape ${fmt(w)} with group ${group}`);
  }
  if (w[0] % group !== 0) ctx.fail(`output channels ${w[0]} are not divisible by group ${group}`);
  if (biasIndex !== undefined && ctx.has(biasIndex) && !sameDims(ctx.shape(biasIndex), [w[0]])) {
    ctx.fail(`bias shape ${fmt(ctx.shape(biasIndex))} is not [${w[0]}]`);
  }
  const win = readWindow(ctx, x.length - 2, w.slice(2));
  if (!sameDims(win.kernel, w.slice(2))) ctx.fail(`kernel_shape ${fmt(win.kernel)} differs from the weight shape ${fmt(w)}`);
  const { out } = windowOutput(ctx, x.slice(2), win, false);
  return [x[0], w[0], ...out];
}

export const conv: ShapeRule = (ctx) => {
  const shape = convOutputShape(ctx, 0, 1, 2);
  checkFusedResidual(ctx, 3, shape);
  return [{ type: ctx.type(0), shape }];
};

export const convTranspose: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const w = ctx.shape(1);
  const spatial = x.length - 2;
  if (x.length < 3) ctx.fail(`input shape ${fmt(x)} needs rank >= 3`);
  if (w.length !== x.length) ctx.fail(`weight shape ${fmt(w)} does not match input shape ${fmt(x)}`);
  const group = attrInt(ctx.node, 'group', 1);
  if (group < 1 || x[1] !== w[0]) ctx.fail(`input channels ${x[1]} do not match weight shape ${fmt(w)}`);
  const channels = w[1] * group;
  if (ctx.has(2) && !sameDims(ctx.shape(2), [channels])) ctx.fail(`bias shape ${fmt(ctx.shape(2))} is not [${channels}]`);
  const win = readWindow(ctx, spatial, w.slice(2));
  const outputPadding = attrInts(ctx.node, 'output_padding', new Array(spatial).fill(0));
  const outputShape = attrInts(ctx.node, 'output_shape', []);
  let out: number[];
  if (outputShape.length > 0) {
    out = outputShape.slice(-spatial);
    if (out.length !== spatial) ctx.fail(`output_shape ${fmt(outputShape)} does not have ${spatial} spatial dims`);
  } else {
    out = x.slice(2).map((d, i) => {
      const dk = (win.kernel[i] - 1) * win.dilations[i] + 1;
      const full = win.strides[i] * (d - 1) + outputPadding[i] + dk;
      // SAME aims at input * stride but, like onnxruntime, never pads negatively when the kernel is smaller than the stride.
      if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return Math.min(full, d * win.strides[i]);
      const pads = win.autoPad === 'VALID' ? 0 : win.pads[i] + win.pads[i + spatial];
      return full - pads;
    });
  }
  if (out.some((d) => d < 1)) ctx.fail(`output spatial size ${fmt(out)} is not positive`);
  const shape = [x[0], channels, ...out];
  checkFusedResidual(ctx, 3, shape);
  return [{ type: ctx.type(0), shape }];
};

export const pool: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x.length < 3) ctx.fail(`input shape ${fmt(x)} needs rank >= 3`);
  const win = readWindow(ctx, x.length - 2, undefined);
  const ceilMode = attrInt(ctx.node, 'ceil_mode', 0) !== 0;
  const { out } = windowOutput(ctx, x.slice(2), win, ceilMode);
  const shape = [x[0], x[1], ...out];
  const result = [{ type: ctx.type(0), shape }];
  if (ctx.outputCount > 1) result.push({ type: 'int64', shape: [...shape] });
  return result;
};

export const globalPool: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x.length < 3) ctx.fail(`input shape ${fmt(x)} needs rank >= 3`);
  return [{ type: ctx.type(0), shape: [x[0], x[1], ...x.slice(2).map(() => 1)] }];
};

export const batchNormalization: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  if (x.length < 2) ctx.fail(`input shape ${fmt(x)} needs rank >= 2`);
  for (let i = 1; i <= 4; i++) {
    if (ctx.has(i) && !sameDims(ctx.shape(i), [x[1]])) ctx.fail(`input ${i} shape ${fmt(ctx.shape(i))} is not [${x[1]}]`);
  }
  return ctx.node.outputs.map((_, i) => (i === 0 ? { type: ctx.type(0), shape: [...x] } : { type: ctx.type(0), shape: [x[1]] }));
};

export const layerNormalization: ShapeRule = (ctx) => {
  const x = ctx.shape(0);
  const axis = ctx.axis(attrInt(ctx.node, 'axis', -1), x.length);
  const stats = x.map((d, i) => (i < axis ? d : 1));
  return ctx.node.outputs.map((_, i) => (i === 0 ? { type: ctx.type(0), shape: [...x] } : { type: 'float32' as const, shape: [...stats] }));
};
