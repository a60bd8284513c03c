/** Quantization parameters of QuantizeLinear / DequantizeLinear nodes: reading, checking (bad QDQ fails at load) and float32 arithmetic. */
import { ModelFormatError } from '../errors';
import { attrInt } from '../ir/attributes';
import type { DataType, Node, TensorValue } from '../ir/graph';
import { int8OutputType, isInt8Node } from '../ir/int8-ops';
import { dtypeFromCode, toNumbers } from '../ir/tensor-values';
import type { FusionContext } from './fusion-context';

/** Scale and zero point per tensor (length 1) or per slice along `axis`. */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  /** The quantized element type (the zero point's; for DequantizeLinear the input's). */
  type: DataType;
  /** Normalized axis when per-axis, else undefined. */
  axis?: number;
}

const RANGES: Partial<Record<DataType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int32: [-2147483648, 2147483647],
  uint16: [0, 65535],
  int16: [-32768, 32767],
};

export function quantRange(type: DataType): [number, number] | undefined {
  return RANGES[type];
}

export function isQuantizeNode(node: Node): boolean {
  return node.domain === '' && node.opType === 'QuantizeLinear';
}

export function isDequantizeNode(node: Node): boolean {
  return node.domain === '' && node.opType === 'DequantizeLinear';
}

/** Ops whose output has their first input's element type. */
const TYPE_PRESERVING = ['Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity', 'Slice', 'Gather', 'Concat', 'Split', 'MaxPool', 'Expand', 'Pad'];

/** Known element type of a value: constants, graph inputs, value_info, and what Q / Cast / int8 nodes produce. */
export function valueType(ctx: FusionContext, name: string): DataType | undefined {
  const c = ctx.constant(name);
  if (c) return c.type;
  const input = ctx.graph.inputs.find((v) => v.name === name);
  if (input) return input.type;
  const p = ctx.producerOf(name);
  if (p) {
    if (isQuantizeNode(p)) return p.inputs[2] ? ctx.constant(p.inputs[2])?.type : 'uint8';
    if (isInt8Node(p)) return int8OutputType(p);
    if (p.domain === '' && p.opType === 'Cast') return dtypeFromCode(attrInt(p, 'to'));
    if (p.domain === '' && TYPE_PRESERVING.includes(p.opType)) return valueType(ctx, p.inputs[0]);
  }
  return ctx.graph.valueInfo.get(name)?.type;
}

function fail(node: Node, what: string, received: string): never {
  throw new ModelFormatError(`Expected ${what} for node '${node.name}' (${node.opType}) but received ${received}`);
}

/**
 * The parameters of a Q or DQ node whose scale and zero point are constants (undefined when they are computed).
 * `rank` (the data's rank, when known) and `dims` check per-axis lengths.
 * @throws ModelFormatError for a scale that is not finite and > 0, a zero point outside its type's range or not an
 *   integer, scale and zero point of different lengths, a per-axis length that differs from the axis dimension.
 */
export function readQuantParams(ctx: FusionContext, node: Node, dims?: readonly number[]): QuantParams | undefined {
  const scaleT = ctx.constant(node.inputs[1]);
  if (!scaleT) return undefined;
  const zpName = node.inputs[2] ?? '';
  const zpT: TensorValue | undefined = zpName ? ctx.constant(zpName) : undefined;
  if (zpName && !zpT) return undefined;
  const scale = toNumbers(scaleT);
  for (const s of scale) if (!(Number.isFinite(s) && s > 0)) fail(node, 'finite scales > 0', `scale ${s}`);
  let type: DataType | undefined;
  if (zpT) type = zpT.type;
  else if (isQuantizeNode(node)) type = 'uint8';
  else type = valueType(ctx, node.inputs[0]);
  if (!type) return undefined;
  const zeroPoint = zpT ? toNumbers(zpT) : scale.map(() => 0);
  const range = quantRange(type);
  if (!range || (isQuantizeNode(node) && type !== 'uint8' && type !== 'int8')) {
    fail(node, 'zero points in [0, 255] (uint8) or [-128, 127] (int8)', `${zeroPoint[0]} (${type})`);
  }
  for (const z of zeroPoint) {
    if (!Number.isInteger(z) || z < range[0] || z > range[1]) fail(node, `zero points in [${range[0]}, ${range[1]}] (${type})`, `${z}`);
  }
  if (zeroPoint.length !== scale.length) fail(node, `a zero point of ${scale.length} elements like the scale`, `${zeroPoint.length} elements`);
  if (scaleT.dims.length > 1) fail(node, 'a scalar or 1-D scale', `shape [${scaleT.dims.join(', ')}]`);
  const perAxis = scaleT.dims.length === 1 && !(scale.length === 1 && !node.attrs.axis);
  if (!perAxis) return { scale, zeroPoint, type };
  const shape = dims ?? ctx.constant(node.inputs[0])?.dims;
  let axis = attrInt(node, 'axis', 1);
  if (shape) {
    const rank = shape.length;
    if (axis < -rank || axis >= rank) fail(node, `an axis in [${-rank}, ${rank - 1}]`, `${axis}`);
    if (axis < 0) axis += rank;
    if (shape[axis] !== scale.length && scale.length !== 1) {
      fail(node, `per-axis scales of length ${shape[axis]} (dimension ${axis} of [${shape.join(', ')}])`, `${scale.length} scales`);
    }
  } else if (axis < 0) {
    return undefined;
  }
  if (scale.length === 1) return { scale, zeroPoint, type };
  return { scale, zeroPoint, type, axis };
}

/** Per-tensor parameters of a quantized activation (uint8), else undefined. */
export function perTensorU8(p: QuantParams | undefined): p is QuantParams {
  return !!p && p.axis === undefined && p.type === 'uint8';
}

export function sameParams(a: QuantParams, b: QuantParams): boolean {
  return a.type === b.type && Math.fround(a.scale[0]) === Math.fround(b.scale[0]) && a.zeroPoint[0] === b.zeroPoint[0] && a.axis === b.axis;
}

/** Round half to even, as the native kernels and ONNX QuantizeLinear do. */
export function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The native QuantizeLinear on one value, in float32: sat(rne(x / scale) + zp). */
export function quantizeValue(x: number, scale: number, zeroPoint: number, type: DataType): number {
  const [lo, hi] = quantRange(type)!;
  if (Number.isNaN(x)) return zeroPoint;
  const q = roundEven(Math.fround(Math.fround(x) / Math.fround(scale))) + zeroPoint;
  return Math.min(hi, Math.max(lo, q));
}

/** The native DequantizeLinear on one value, in float32: float(q - zp) * scale. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * Math.fround(scale));
}

/** Dequantizes a constant (per tensor or per axis) to float32: what an fp32 fallback runs on. */
export function dequantizeConstant(t: TensorValue, p: QuantParams): TensorValue {
  const q = toNumbers(t);
  const out = new Float32Array(q.length);
  const inner = p.axis === undefined ? q.length : t.dims.slice(p.axis + 1).reduce((a, b) => a * b, 1);
  const channels = p.scale.length;
  for (let i = 0; i < q.length; i++) {
    const c = p.axis === undefined ? 0 : Math.floor(i / inner) % channels;
    out[i] = dequantizeValue(q[i], p.scale[c], p.zeroPoint[c]);
  }
  return { type: 'float32', dims: t.dims.slice(), data: out };
}

/** Checks every Q / DQ node with constant parameters (bad QDQ → ModelFormatError at load). */
export function checkQdqNodes(ctx: FusionContext): void {
  for (const node of ctx.graph.nodes) {
    if (isQuantizeNode(node) || isDequantizeNode(node)) readQuantParams(ctx, node);
  }
}

