/** The table of ops sparq runs (one source for checks and README) and the check that a graph uses only those. */
import { UnsupportedError } from '../errors';
import type { Graph, Node } from './graph';
import { INT8_OPS } from './int8-ops';

/** Returns a problem description (e.g. "attribute value mode='cubic'") or undefined when the node is fine. */
type NodeCheck = (node: Node, g: Graph) => string | undefined;

export interface OpSupport {
  /** '' = the default ONNX domain. */
  domain: string;
  /** Short note for the README table. */
  note: string;
  check?: NodeCheck;
}

function stringAttrIn(name: string, allowed: readonly string[], fallback: string): NodeCheck {
  return (node) => {
    const a = node.attrs[name];
    const v = a === undefined ? fallback : a.kind === 'string' ? a.value : undefined;
    if (v === undefined || !allowed.includes(v)) return `attribute value ${name}=${a ? describeAttr(a) : '?'}`;
    return undefined;
  };
}

/** `fallback` undefined: a missing attribute is left for shape inference to report as a model error. */
function intAttrIn(name: string, allowed: readonly number[], fallback: number | undefined): NodeCheck {
  return (node) => {
    const a = node.attrs[name];
    if (a === undefined && fallback === undefined) return undefined;
    const v = a === undefined ? fallback : a.kind === 'int' ? a.value : undefined;
    if (v === undefined || !allowed.includes(v)) return `attribute value ${name}=${a ? describeAttr(a) : '?'}`;
    return undefined;
  };
}

function describeAttr(a: Node['attrs'][string]): string {
  switch (a.kind) {
    case 'string':
      return `'${a.value}'`;
    case 'int':
    case 'float':
      return String(a.value);
    case 'ints':
    case 'floats':
      return `[${a.value.join(', ')}]`;
    case 'strings':
      return `[${a.value.map((s) => `'${s}'`).join(', ')}]`;
    default:
      return a.kind;
  }
}

/** Spatial rank from kernel_shape, else from a constant weight's dims; undefined when unknown. */
function spatialRank(node: Node, g: Graph, weightInput: number | undefined): number | undefined {
  const ks = node.attrs.kernel_shape;
  if (ks?.kind === 'ints') return ks.value.length;
  if (weightInput !== undefined) {
    const w = g.initializers.get(node.inputs[weightInput] ?? '');
    if (w) return w.dims.length - 2;
  }
  const xInfo = g.valueInfo.get(node.inputs[0]) ?? g.inputs.find((v) => v.name === node.inputs[0]);
  if (xInfo && !xInfo.shapeUnknown) return xInfo.shape.length - 2;
  return undefined;
}

function spatialRankIn(allowed: readonly number[], weightInput: number | undefined): NodeCheck {
  return (node, g) => {
    const r = spatialRank(node, g, weightInput);
    if (r !== undefined && !allowed.includes(r)) return `spatial rank ${r}`;
    return undefined;
  };
}

function all(...checks: NodeCheck[]): NodeCheck {
  return (node, g) => {
    for (const c of checks) {
      const problem = c(node, g);
      if (problem) return problem;
    }
    return undefined;
  };
}

function singleOutput(node: Node): string | undefined {
  if (node.outputs.length > 1 && node.outputs.slice(1).some((o) => o !== '')) return `optional output '${node.outputs[1]}' (Indices/Mask)`;
  return undefined;
}

/** Cast targets the native executor implements (ONNX codes): float, uint8, int8, int32, int64, bool. */
const CAST_TARGETS = [1, 2, 3, 6, 7, 9];

const simple = (note: string): OpSupport => ({ domain: '', note });

/** Q / DQ element types the native ops take: uint8 / int8 (and int32 input for DequantizeLinear). */
const qdqCheck: NodeCheck = (node, g) => {
  const zp = node.inputs[2] ? g.initializers.get(node.inputs[2]) : undefined;
  if (zp && !['uint8', 'int8', 'int32'].includes(zp.type)) return `zero point type ${zp.type}`;
  return undefined;
};

/** Every op sparq accepts, keyed by op type (internal ops keyed by `domain.op`). */
export const SUPPORTED_OPS: Record<string, OpSupport> = {
  Conv: { domain: '', note: '1-D and 2-D', check: spatialRankIn([1, 2], 1) },
  ConvTranspose: { domain: '', note: '2-D', check: spatialRankIn([2], 1) },
  BatchNormalization: { domain: '', note: 'inference mode', check: all(intAttrIn('training_mode', [0], 0), singleOutput) },
  Relu: simple(''),
  LeakyRelu: simple(''),
  PRelu: simple(''),
  Clip: simple(''),
  Sigmoid: simple(''),
  HardSigmoid: simple(''),
  HardSwish: simple(''),
  Tanh: simple(''),
  Erf: simple(''),
  Gelu: { domain: '', note: "approximate 'none' or 'tanh'", check: stringAttrIn('approximate', ['none', 'tanh'], 'none') },
  Add: simple(''),
  Sub: simple(''),
  Mul: simple(''),
  Div: simple(''),
  Pow: simple(''),
  Sqrt: simple(''),
  Exp: simple(''),
  Log: simple(''),
  Neg: simple(''),
  Abs: simple(''),
  Reciprocal: simple(''),
  Min: simple(''),
  Max: simple(''),
  MaxPool: { domain: '', note: '1-D and 2-D, no Indices output', check: all(spatialRankIn([1, 2], undefined), singleOutput) },
  AveragePool: { domain: '', note: '1-D and 2-D', check: spatialRankIn([1, 2], undefined) },
  GlobalAveragePool: simple(''),
  GlobalMaxPool: simple(''),
  Gemm: simple(''),
  MatMul: simple(''),
  Flatten: simple(''),
  Reshape: simple(''),
  Transpose: simple(''),
  Concat: simple(''),
  Split: simple(''),
  Slice: simple(''),
  Squeeze: simple(''),
  Unsqueeze: simple(''),
  Shape: simple(''),
  Gather: simple(''),
  Cast: { domain: '', note: 'to float, uint8, int8, int32, int64, bool', check: intAttrIn('to', CAST_TARGETS, undefined) },
  Constant: simple(''),
  ConstantOfShape: simple(''),
  Identity: simple(''),
  Dropout: { domain: '', note: 'inference (identity)', check: singleOutput },
  Pad: { domain: '', note: "modes 'constant', 'reflect', 'edge'", check: stringAttrIn('mode', ['constant', 'reflect', 'edge'], 'constant') },
  Resize: {
    domain: '',
    note: "modes 'nearest', 'linear'; coordinate modes half_pixel, pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn",
    check: all(
      stringAttrIn('mode', ['nearest', 'linear'], 'nearest'),
      stringAttrIn(
        'coordinate_transformation_mode',
        ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'],
        'half_pixel',
      ),
      stringAttrIn('nearest_mode', ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'], 'round_prefer_floor'),
      intAttrIn('antialias', [0], 0),
      stringAttrIn('keep_aspect_ratio_policy', ['stretch'], 'stretch'),
    ),
  },
  Softmax: simple(''),
  LogSoftmax: simple(''),
  ReduceMean: simple(''),
  ReduceSum: simple(''),
  ReduceMax: simple(''),
  LayerNormalization: { domain: '', note: 'no Mean/InvStdDev outputs', check: singleOutput },
  Expand: simple(''),
  Where: simple(''),
  Equal: simple(''),
  Less: simple(''),
  Greater: simple(''),
  ArgMax: simple(''),
  Range: { domain: '', note: 'shape math (folded)' },
  Size: { domain: '', note: 'shape math (folded)' },
  Not: simple(''),
  'sparq.Silu': { domain: 'sparq', note: 'x * sigmoid(x) (internal, from fusion)' },
  QuantizeLinear: { domain: '', note: 'int8 (QDQ import); per-axis on constants', check: qdqCheck },
  DequantizeLinear: { domain: '', note: 'int8 (QDQ import); per-axis on constants', check: qdqCheck },
  QLinearConv: { domain: '', note: 'int8 (as QConv)' },
  QLinearMatMul: { domain: '', note: 'int8 (as QGemm)' },
  ConvInteger: { domain: '', note: 'int8 (as QConv, int32 out)' },
  MatMulInteger: { domain: '', note: 'int8 (as QGemm, int32 out)' },
  ...Object.fromEntries(INT8_OPS.map((op) => [`sparq.${op}`, { domain: 'sparq', note: 'internal int8 op (QDQ import)' }])),
};

/** com.microsoft contrib ops sparq accepts (kept apart: their domain has a dot), keyed by `domain.op`. */
export const CONTRIB_OPS: Record<string, OpSupport> = {
  'com.microsoft.QLinearAdd': { domain: 'com.microsoft', note: 'int8 (as QAdd)' },
  'com.microsoft.QLinearMul': { domain: 'com.microsoft', note: 'int8 (as QMul)' },
  'com.microsoft.QLinearGlobalAveragePool': { domain: 'com.microsoft', note: 'int8, channels_last=0', check: intAttrIn('channels_last', [0], 0) },
  'com.microsoft.QLinearConcat': { domain: 'com.microsoft', note: 'int8 (as QConcat)' },
};

function tableKey(node: Node): string {
  const domain = node.domain === 'ai.onnx' ? '' : node.domain;
  return domain === '' ? node.opType : `${domain}.${node.opType}`;
}

/** Looks a node up in SUPPORTED_OPS. */
export function opSupportOf(node: Node): OpSupport | undefined {
  const key = tableKey(node);
  if (Object.prototype.hasOwnProperty.call(SUPPORTED_OPS, key)) return SUPPORTED_OPS[key];
  return Object.prototype.hasOwnProperty.call(CONTRIB_OPS, key) ? CONTRIB_OPS[key] : undefined;
}

/**
 * Checks every node against SUPPORTED_OPS.
 * @throws UnsupportedError `Unsupported op 'X' in node 'Y' (opset N)` or
 *   `Unsupported attribute value mode='cubic' of Resize in node 'Y' (opset N)`.
 */
export function assertSupported(g: Graph): void {
  for (const node of g.nodes) {
    const domain = node.domain === 'ai.onnx' ? '' : node.domain;
    const opset = domain === '' ? g.opset : g.otherOpsets[domain] ?? 1;
    const support = opSupportOf(node);
    if (!support) {
      throw new UnsupportedError(`Unsupported op '${tableKey(node)}' in node '${node.name}' (opset ${opset})`, node.opType, node.name, opset);
    }
    const problem = support.check?.(node, g);
    if (problem) {
      throw new UnsupportedError(
        `Unsupported ${problem} of ${node.opType} in node '${node.name}' (opset ${opset})`,
        node.opType,
        node.name,
        opset,
      );
    }
  }
}
