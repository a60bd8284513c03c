/**
 * Chooses NCHW or NHWC per 4-D tensor: spatial ops run channels-last, layout-agnostic ops keep a chain NHWC (axes
 * remapped, constants permuted), and Transposes appear only where a layout-bound op or the model boundary needs NCHW.
 */
import type { TensorValue } from '../ir/graph';
import type { LoweredGraph, LoweredOp, LoweredTensor } from './lowered-graph';

type Layout = 'nchw' | 'nhwc';

/** physical axis i holds logical axis TO_NHWC[i]. */
const TO_NHWC = [0, 2, 3, 1];
/** logical axis k sits at physical axis AXIS_IN_NHWC[k]. */
const AXIS_IN_NHWC = [0, 3, 1, 2];

const SPATIAL = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Resize',
  'QConv', 'QMaxPool', 'QAveragePool', 'QGlobalAveragePool',
]);
const UNARY = new Set([
  'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'HardSwish', 'Silu', 'Softplus', 'Neg', 'Abs',
  'LeakyRelu', 'HardSigmoid', 'Clip', 'Gelu', 'Not', 'Cast', 'QLookup', 'QuantizeLinear', 'DequantizeLinear',
]);
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Min', 'Max', 'PRelu', 'Equal', 'Less', 'Greater', 'Where', 'QAdd', 'QMul']);

function permuteShape(shape: readonly number[]): number[] {
  return TO_NHWC.map((a) => shape[a]);
}

/** Transposes a 4-D constant [N,C,H,W] → [N,H,W,C] (any element type). */
export function constantToNhwc(value: TensorValue): TensorValue {
  const [n, c, h, w] = value.dims;
  const src = value.data as unknown as ArrayLike<unknown> & { constructor: new (n: number) => unknown[] };
  const dst = new src.constructor(src.length) as unknown[];
  for (let a = 0; a < n; a++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) dst[((a * h + y) * w + x) * c + ch] = src[((a * c + ch) * h + y) * w + x];
  return { type: value.type, dims: [n, h, w, c], data: dst as unknown as TensorValue['data'] };
}

function isIncreasing(list: number[]): boolean {
  return list.every((v, i) => i === 0 || list[i - 1] < v);
}

class LayoutAssigner {
  readonly tensors = new Map<string, LoweredTensor>();
  readonly ops: LoweredOp[] = [];
  /** Layout of each produced / input tensor under its own name (constants are NCHW). */
  private readonly layout = new Map<string, Layout>();
  /** `${name}|${layout}` → physical tensor holding it in that layout. */
  private readonly converted = new Map<string, string>();

  constructor(private readonly src: LoweredGraph) {
    for (const [name, t] of src.tensors) if (t.value || src.inputs.includes(name)) this.tensors.set(name, { ...t });
    for (const name of src.inputs) this.layout.set(name, 'nchw');
  }

  private logical(name: string): LoweredTensor {
    const t = this.src.tensors.get(name);
    if (!t) throw new Error(`layout: unknown tensor '${name}'`);
    return t;
  }
  private rank(name: string): number {
    return this.logical(name).shape.length;
  }
  private isConstant(name: string): boolean {
    return !!this.src.tensors.get(name)?.value;
  }
  layoutOf(name: string): Layout {
    return this.layout.get(name) ?? 'nchw';
  }

  /** Declares an op output in `layout`. */
  private define(name: string, layout: Layout): void {
    const t = this.logical(name);
    const nhwc = layout === 'nhwc' && t.shape.length === 4;
    this.tensors.set(name, { ...t, shape: nhwc ? permuteShape(t.shape) : t.shape.slice() });
    this.layout.set(name, nhwc ? 'nhwc' : 'nchw');
  }

  /** The physical name of `name` in `want` layout, emitting a Transpose (or permuting a constant) when needed. */
  get(name: string, want: Layout, opName: string): string {
    if (!name) return name;
    if (this.rank(name) !== 4 && !(want === 'nhwc' && this.isConstant(name))) return name;
    if (this.layoutOf(name) === want) return name;
    const key = `${name}|${want}`;
    const cached = this.converted.get(key);
    if (cached) return cached;
    const t = this.logical(name);
    const out = `${name}@${want}`;
    if (t.value) {
      // Constants used by an NHWC elementwise op: broadcast to rank 4 first, then permute.
      const dims4 = [...new Array(4 - t.shape.length).fill(1), ...t.shape];
      const value = constantToNhwc({ ...t.value, dims: dims4 });
      this.tensors.set(out, { name: out, dtype: t.dtype, shape: value.dims.slice(), value });
    } else {
      const perm = want === 'nhwc' ? TO_NHWC : AXIS_IN_NHWC;
      const from = this.tensors.get(name)!.shape;
      this.tensors.set(out, { name: out, dtype: t.dtype, shape: want === 'nhwc' ? permuteShape(t.shape) : t.shape.slice() });
      // When only size-1 axes move (C == 1, or H == W == 1) the bytes are already in order: a Reshape suffices.
      const moved = perm.filter((p) => from[p] !== 1);
      const type = isIncreasing(moved) ? 'Reshape' : 'Transpose';
      this.ops.push({ type, name: opName, inputs: [name], outputs: [out], attrs: type === 'Transpose' ? { perm } : {} });
    }
    this.converted.set(key, out);
    return out;
  }

  /** Emits `op` with every 4-D input in NCHW and outputs NCHW (ops bound to the model's layout). */
  private asLogical(op: LoweredOp): void {
    const inputs = op.inputs.map((i) => this.get(i, 'nchw', op.name));
    for (const o of op.outputs) this.define(o, 'nchw');
    this.ops.push({ ...op, inputs });
  }

  private anyNhwc(names: string[]): boolean {
    return names.some((n) => n && !this.isConstant(n) && this.rank(n) === 4 && this.layoutOf(n) === 'nhwc');
  }

  assign(op: LoweredOp): void {
    const x = op.inputs[0];
    if (SPATIAL.has(op.type)) {
      const inputs = op.inputs.slice();
      inputs[0] = this.get(x, 'nhwc', op.name);
      if ((op.type === 'Conv' || op.type === 'QConv') && inputs[3]) inputs[3] = this.get(inputs[3], 'nhwc', op.name);
      this.define(op.outputs[0], 'nhwc');
      this.ops.push({ ...op, inputs });
      return;
    }
    if (UNARY.has(op.type)) {
      const layout = this.rank(x) === 4 ? this.layoutOf(x) : 'nchw';
      this.define(op.outputs[0], layout);
      this.ops.push({ ...op });
      return;
    }
    if (ELEMENTWISE.has(op.type)) {
      const outRank = this.rank(op.outputs[0]);
      const nonConst = op.inputs.filter((i) => i && !this.isConstant(i));
      const fits = nonConst.every((i) => this.rank(i) === 4 || this.logical(i).shape.reduce((a, b) => a * b, 1) === 1);
      const constsFit = op.inputs.every((i) => !i || !this.isConstant(i) || this.rank(i) <= 4);
      if (outRank === 4 && fits && constsFit && this.anyNhwc(op.inputs)) {
        const inputs = op.inputs.map((i) => {
          if (!i) return i;
          const t = this.logical(i);
          if (t.value && t.shape.reduce((a, b) => a * b, 1) === 1) return i; // scalars broadcast in any layout
          return this.rank(i) === 4 || t.value ? this.get(i, 'nhwc', op.name) : i;
        });
        this.define(op.outputs[0], 'nhwc');
        this.ops.push({ ...op, inputs });
        return;
      }
      return this.asLogical(op);
    }
    if (this.rank(x) !== 4 || this.layoutOf(x) !== 'nhwc') {
      if ((op.type === 'Concat' || op.type === 'QConcat') && this.rank(x) === 4 && this.anyNhwc(op.inputs)) {
        // fall through to the NHWC Concat below
      } else {
        return this.asLogical(op);
      }
    }
    switch (op.type) {
      case 'Concat':
      case 'QConcat':
      case 'Split':
      case 'Softmax':
      case 'LogSoftmax':
      case 'ChannelAffine': {
        const inputs = op.type === 'Concat' || op.type === 'QConcat' ? op.inputs.map((i) => this.get(i, 'nhwc', op.name)) : op.inputs.slice();
        for (const o of op.outputs) this.define(o, 'nhwc');
        this.ops.push({ ...op, inputs, attrs: { ...op.attrs, axis: AXIS_IN_NHWC[op.attrs.axis as number] } });
        return;
      }
      case 'Slice': {
        const starts = op.attrs.starts as number[];
        const steps = op.attrs.steps as number[];
        this.define(op.outputs[0], 'nhwc');
        this.ops.push({ ...op, attrs: { starts: permuteShape(starts), steps: permuteShape(steps) } });
        return;
      }
      case 'Pad': {
        const pads = op.attrs.pads as number[];
        const begin = permuteShape(pads.slice(0, 4));
        const end = permuteShape(pads.slice(4));
        this.define(op.outputs[0], 'nhwc');
        this.ops.push({ ...op, attrs: { ...op.attrs, pads: [...begin, ...end] } });
        return;
      }
      case 'ReduceMean':
      case 'ReduceSum':
      case 'ReduceMax':
      case 'ArgMax': {
        const logicalAxes = op.type === 'ArgMax' ? [op.attrs.axis as number] : (op.attrs.axes as number[]);
        const all = logicalAxes.length === 0;
        const keep = (op.attrs.keepdims as number) !== 0;
        const axes = logicalAxes.map((a) => AXIS_IN_NHWC[a]).sort((a, b) => a - b);
        // Without keepdims the output has rank < 4; it is logical only if the kept axes stay in model order.
        if (!keep && !all && !isIncreasing(TO_NHWC.filter((a) => !logicalAxes.includes(a)))) return this.asLogical(op);
        this.define(op.outputs[0], keep ? 'nhwc' : 'nchw');
        const attrs = op.type === 'ArgMax' ? { ...op.attrs, axis: axes[0] } : { ...op.attrs, axes };
        this.ops.push({ ...op, attrs });
        return;
      }
      case 'Transpose': {
        const perm = (op.attrs.perm as number[]).map((p) => AXIS_IN_NHWC[p]);
        this.define(op.outputs[0], 'nchw');
        if (isIncreasing(perm)) this.ops.push({ ...op, type: 'Reshape', attrs: {} });
        else this.ops.push({ ...op, attrs: { perm } });
        return;
      }
      default:
        return this.asLogical(op);
    }
  }

  /** Graph outputs in NCHW, each its own arena tensor (never an input, a constant or another output). */
  finishOutputs(): string[] {
    const seen = new Set<string>();
    return this.src.outputs.map((name) => {
      let phys = this.get(name, 'nchw', name);
      if (this.isConstant(phys) || this.src.inputs.includes(phys) || seen.has(phys) || this.tensors.get(phys)?.value) {
        const copy = `${name}@output${seen.size}`;
        const t = this.tensors.get(phys)!;
        this.tensors.set(copy, { name: copy, dtype: t.dtype, shape: t.shape.slice() });
        this.ops.push({ type: 'Reshape', name, inputs: [phys], outputs: [copy], attrs: {} });
        phys = copy;
      }
      seen.add(phys);
      return phys;
    });
  }
}

/**
 * Merges Transpose → Transpose pairs whose middle tensor has no other reader (a model Transpose next to a layout
 * boundary), into one Transpose, or a Reshape when only size-1 axes move.
 */
export function mergeTransposes(g: LoweredGraph): LoweredGraph {
  const readers = new Map<string, number>();
  for (const op of g.ops) for (const i of op.inputs) if (i) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of g.outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const producer = new Map<string, number>();
  const dropped = new Set<number>();
  const ops = g.ops.map((op) => ({ ...op }));
  ops.forEach((op, k) => {
    for (const o of op.outputs) producer.set(o, k);
    if (op.type !== 'Transpose') return;
    const first = producer.get(op.inputs[0]);
    if (first === undefined || ops[first].type !== 'Transpose' || readers.get(op.inputs[0]) !== 1) return;
    const p1 = ops[first].attrs.perm as number[];
    const p2 = op.attrs.perm as number[];
    const perm = p2.map((a) => p1[a]);
    const source = ops[first].inputs[0];
    const shape = g.tensors.get(source)!.shape;
    dropped.add(first);
    const moved = perm.filter((a) => shape[a] !== 1);
    ops[k] = isIncreasing(moved)
      ? { ...op, type: 'Reshape', inputs: [source], attrs: {} }
      : { ...op, inputs: [source], attrs: { perm } };
  });
  return { ...g, ops: ops.filter((_, k) => !dropped.has(k)) };
}

/** Returns a new lowered graph in physical layouts; graph inputs and outputs keep the model's layout. */
export function assignLayouts(g: LoweredGraph): LoweredGraph {
  const a = new LayoutAssigner(g);
  for (const op of g.ops) a.assign(op);
  const outputs = a.finishOutputs();
  return mergeTransposes({ tensors: a.tensors, ops: a.ops, inputs: g.inputs.slice(), outputs });
}
