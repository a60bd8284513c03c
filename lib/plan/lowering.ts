/** Lowers a shape-specialized IR graph into native ops (native/ops/README.md), still in the model's NCHW layout. */
import { UnsupportedError } from '../errors';
import { attrFloat, attrFloats, attrInt, attrInts, attrString } from '../ir/attributes';
import type { DataType, Graph, Node, TensorValue } from '../ir/graph';
import { OUTPUT_TYPE_ATTR, int8OutputType, isInt8Node } from '../ir/int8-ops';
import { toNumbers } from '../ir/tensor-values';
import type { NativeAttr, NativeDType } from './plan-desc';
import type { LoweredGraph, LoweredOp, LoweredTensor } from './lowered-graph';

const NATIVE_DTYPES: Record<string, NativeDType> = {
  float32: 'float32',
  int64: 'int64',
  int32: 'int32',
  uint8: 'uint8',
  int8: 'int8',
  bool: 'bool',
};

const FLOAT_MAX = 3.4028234663852886e38;

const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Erf', 'Sqrt', 'Exp', 'Log', 'Reciprocal', 'HardSwish', 'Softplus', 'Neg', 'Abs', 'Not'];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'PRelu', 'Equal', 'Less', 'Greater'];
const RESHAPES = ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'];
/** IR attributes of int8 ops that lowering rewrites (window geometry) or drops instead of passing through. */
const INT8_REWRITTEN_ATTRS = ['group', 'kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'count_include_pad', OUTPUT_TYPE_ATTR];

export function nativeDType(type: DataType, what: string): NativeDType {
  const t = NATIVE_DTYPES[type];
  if (!t) throw new UnsupportedError(`Expected one of float32, int64, int32, uint8, int8, bool for the element type of ${what} but received "${type}"`);
  return t;
}

/** Maps a fused activation (IR attrs) to the op that computes it alone, for un-fusing. */
function standaloneActivation(name: string, alpha: number | undefined, beta: number | undefined): { type: string; attrs: Record<string, NativeAttr> } {
  switch (name) {
    case 'relu': return { type: 'Relu', attrs: {} };
    case 'clip': return { type: 'Clip', attrs: { min: alpha ?? -FLOAT_MAX, max: beta ?? FLOAT_MAX } };
    case 'leaky_relu': return { type: 'LeakyRelu', attrs: { alpha: alpha ?? 0.01 } };
    case 'sigmoid': return { type: 'Sigmoid', attrs: {} };
    case 'hard_sigmoid': return { type: 'HardSigmoid', attrs: { alpha: alpha ?? 0.2, beta: beta ?? 0.5 } };
    case 'hard_swish': return { type: 'HardSwish', attrs: {} };
    case 'silu': return { type: 'Silu', attrs: {} };
    case 'tanh': return { type: 'Tanh', attrs: {} };
    case 'gelu': return { type: 'Gelu', attrs: { approximate: 'none' } };
    default: throw new UnsupportedError(`Expected a known fused activation but received "${name}"`);
  }
}

class Lowerer {
  readonly tensors = new Map<string, LoweredTensor>();
  readonly ops: LoweredOp[] = [];
  private counter = 0;

  constructor(readonly g: Graph) {
    for (const [name, value] of g.initializers) this.addConstant(name, value);
    const declare = (name: string, type: DataType, shape: (number | string | null)[]) => {
      if (this.tensors.has(name)) return;
      if (shape.some((d) => typeof d !== 'number')) return; // not specialized: filled in when produced
      this.tensors.set(name, { name, dtype: nativeDType(type, `'${name}'`), shape: shape as number[] });
    };
    for (const v of g.inputs) declare(v.name, v.type, v.shape);
    for (const v of g.valueInfo.values()) if (!v.shapeUnknown) declare(v.name, v.type, v.shape);
    for (const v of g.outputs) if (!v.shapeUnknown) declare(v.name, v.type, v.shape);
  }

  addConstant(name: string, value: TensorValue): void {
    this.tensors.set(name, { name, dtype: nativeDType(value.type, `constant '${name}'`), shape: value.dims.slice(), value });
  }

  tensor(name: string, node: Node): LoweredTensor {
    const t = this.tensors.get(name);
    if (!t) throw new UnsupportedError(`Expected a known shape for value '${name}' of node '${node.name}' (${node.opType}) but received none`);
    return t;
  }
  shape(name: string, node: Node): number[] {
    return this.tensor(name, node).shape;
  }
  constant(name: string): TensorValue | undefined {
    return name ? this.tensors.get(name)?.value : undefined;
  }
  constNumbers(name: string, node: Node, what: string): number[] {
    const v = this.constant(name);
    if (!v) throw new UnsupportedError(`Expected a constant ${what} for node '${node.name}' (${node.opType}) but received a computed value '${name}'`, node.opType, node.name, this.g.opset);
    return toNumbers(v);
  }

  /** A new intermediate tensor. */
  temp(base: string, dtype: NativeDType, shape: number[]): string {
    const name = `${base}#${++this.counter}`;
    this.tensors.set(name, { name, dtype, shape });
    return name;
  }
  /** A new constant tensor. */
  tempConstant(base: string, value: TensorValue): string {
    const name = `${base}#${++this.counter}`;
    this.addConstant(name, value);
    return name;
  }

  emit(type: string, node: Node, inputs: string[], outputs: string[], attrs: Record<string, NativeAttr> = {}): void {
    this.ops.push({ type, name: node.name, inputs, outputs, attrs });
  }

  /** A Reshape into `shape` (a copy unless the memory plan aliases it). */
  reshape(node: Node, input: string, shape: number[]): string {
    const out = this.temp(input, this.tensor(input, node).dtype, shape);
    this.emit('Reshape', node, [input], [out]);
    return out;
  }

  unsupported(node: Node, why: string): never {
    throw new UnsupportedError(`Expected ${why} for node '${node.name}' (${node.opType}, opset ${this.g.opset}) but received another value`, node.opType, node.name, this.g.opset);
  }

  axis(node: Node, axis: number, rank: number): number {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= Math.max(rank, 1)) throw new UnsupportedError(`Expected an axis in [${-rank}, ${rank - 1}] for node '${node.name}' (${node.opType}) but received ${axis}`, node.opType, node.name, this.g.opset);
    return a;
  }

  lower(node: Node): void {
    if (isInt8Node(node)) return this.lowerInt8(node);
    const op = node.domain === 'sparq' || node.domain === 'com.microsoft' ? node.opType : node.domain === '' ? node.opType : '';
    if (op === 'Silu' || op === 'Gelu') {
      return this.emit(op, node, [node.inputs[0]], [node.outputs[0]], op === 'Gelu' ? { approximate: attrString(node, 'approximate', 'none') } : {});
    }
    if (UNARY.includes(op)) return this.emit(op, node, [node.inputs[0]], [node.outputs[0]]);
    if (BINARY.includes(op)) return this.emit(op, node, [node.inputs[0], node.inputs[1]], [node.outputs[0]]);
    if (RESHAPES.includes(op)) return this.emit('Reshape', node, [node.inputs[0]], [node.outputs[0]]);
    switch (op) {
      case 'Constant': {
        const a = node.attrs.value;
        if (!a || a.kind !== 'tensor') this.unsupported(node, 'a tensor-valued Constant');
        this.addConstant(node.outputs[0], a.value);
        return;
      }
      case 'Shape': {
        const shape = this.shape(node.inputs[0], node);
        const r = shape.length;
        let start = attrInt(node, 'start', 0);
        let end = attrInt(node, 'end', r);
        start = Math.min(Math.max(start < 0 ? start + r : start, 0), r);
        end = Math.min(Math.max(end < 0 ? end + r : end, 0), r);
        const dims = shape.slice(start, Math.max(start, end));
        this.addConstant(node.outputs[0], { type: 'int64', dims: [dims.length], data: BigInt64Array.from(dims.map(BigInt)) });
        return;
      }
      case 'LeakyRelu':
        return this.emit(op, node, [node.inputs[0]], [node.outputs[0]], { alpha: attrFloat(node, 'alpha', 0.01) });
      case 'HardSigmoid':
        return this.emit(op, node, [node.inputs[0]], [node.outputs[0]], { alpha: attrFloat(node, 'alpha', 0.2), beta: attrFloat(node, 'beta', 0.5) });
      case 'Clip': {
        let min = attrFloat(node, 'min', -FLOAT_MAX);
        let max = attrFloat(node, 'max', FLOAT_MAX);
        if (node.inputs[1]) min = this.constNumbers(node.inputs[1], node, 'min')[0];
        if (node.inputs[2]) max = this.constNumbers(node.inputs[2], node, 'max')[0];
        return this.emit('Clip', node, [node.inputs[0]], [node.outputs[0]], { min: Math.max(min, -FLOAT_MAX), max: Math.min(max, FLOAT_MAX) });
      }
      case 'Min':
      case 'Max':
      case 'Sum':
        return this.lowerVariadic(node, op === 'Sum' ? 'Add' : op);
      case 'Where':
        return this.emit('Where', node, node.inputs.slice(0, 3), [node.outputs[0]]);
      case 'Cast':
        nativeDType(this.tensor(node.outputs[0], node).dtype as DataType, `the output of '${node.name}'`);
        return this.emit('Cast', node, [node.inputs[0]], [node.outputs[0]], { to: attrInt(node, 'to') });
      case 'Transpose': {
        const rank = this.shape(node.inputs[0], node).length;
        const perm = attrInts(node, 'perm', [...Array(rank).keys()].reverse());
        return this.emit('Transpose', node, [node.inputs[0]], [node.outputs[0]], { perm: perm.map((p) => this.axis(node, p, rank)) });
      }
      case 'Concat': {
        const rank = this.shape(node.outputs[0], node).length;
        const inputs = node.inputs.filter((i) => i && this.shape(i, node).reduce((a, b) => a * b, 1) > 0);
        if (inputs.length === 0) return this.emit('Reshape', node, [node.inputs[0]], [node.outputs[0]]);
        return this.emit('Concat', node, inputs, [node.outputs[0]], { axis: this.axis(node, attrInt(node, 'axis'), rank) });
      }
      case 'Split': {
        const rank = this.shape(node.inputs[0], node).length;
        return this.emit('Split', node, [node.inputs[0]], node.outputs.slice(), { axis: this.axis(node, attrInt(node, 'axis', 0), rank) });
      }
      case 'Slice':
        return this.lowerSlice(node);
      case 'Pad':
        return this.lowerPad(node);
      case 'Expand':
        return this.emit('Expand', node, [node.inputs[0]], [node.outputs[0]]);
      case 'Gather': {
        const rank = this.shape(node.inputs[0], node).length;
        return this.emit('Gather', node, [node.inputs[0], node.inputs[1]], [node.outputs[0]], { axis: this.axis(node, attrInt(node, 'axis', 0), rank) });
      }
      case 'ReduceMean':
      case 'ReduceSum':
      case 'ReduceMax':
        return this.lowerReduce(node);
      case 'ArgMax': {
        const rank = this.shape(node.inputs[0], node).length;
        return this.emit('ArgMax', node, [node.inputs[0]], [node.outputs[0]], {
          axis: this.axis(node, attrInt(node, 'axis', 0), rank),
          keepdims: attrInt(node, 'keepdims', 1),
          select_last_index: attrInt(node, 'select_last_index', 0),
        });
      }
      case 'Softmax':
      case 'LogSoftmax':
        return this.lowerSoftmax(node);
      case 'LayerNormalization': {
        const rank = this.shape(node.inputs[0], node).length;
        return this.emit('LayerNormalization', node, [node.inputs[0], node.inputs[1], node.inputs[2] ?? ''], [node.outputs[0]], {
          axis: this.axis(node, attrInt(node, 'axis', -1), rank),
          epsilon: attrFloat(node, 'epsilon', 1e-5),
        });
      }
      case 'BatchNormalization':
        return this.lowerBatchNorm(node);
      case 'Conv':
      case 'ConvTranspose':
        return this.lowerConv(node);
      case 'Gemm':
      case 'MatMul':
        return this.lowerMatMul(node);
      case 'MaxPool':
      case 'AveragePool':
        return this.lowerPool(node);
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
        return this.lowerSpatial4d(node, op, {});
      case 'Resize':
      case 'Upsample':
        return this.lowerResize(node);
      default:
        throw new UnsupportedError(
          `Expected an operator sparq implements for node '${node.name}' but received ${node.domain ? node.domain + '.' : ''}${node.opType} (opset ${this.g.opset})`,
          node.opType,
          node.name,
          this.g.opset,
        );
    }
  }

  private lowerVariadic(node: Node, binary: string): void {
    const inputs = node.inputs.filter((i) => i);
    if (inputs.length === 1) return this.emit('Reshape', node, inputs, [node.outputs[0]]);
    const out = this.tensor(node.outputs[0], node);
    let acc = inputs[0];
    for (let i = 1; i < inputs.length; i++) {
      const last = i === inputs.length - 1;
      const dst = last ? node.outputs[0] : this.temp(node.outputs[0], out.dtype, broadcastShape(this.shape(acc, node), this.shape(inputs[i], node)));
      this.emit(binary, node, [acc, inputs[i]], [dst]);
      acc = dst;
    }
  }

  private lowerSlice(node: Node): void {
    const shape = this.shape(node.inputs[0], node);
    const rank = shape.length;
    // `ends` is not needed: the output shape already carries the element count per axis.
    let starts: number[];
    let axes: number[];
    let steps: number[];
    if (this.g.opset < 10) {
      starts = attrInts(node, 'starts');
      axes = attrInts(node, 'axes', [...starts.keys()]);
      steps = starts.map(() => 1);
    } else {
      starts = this.constNumbers(node.inputs[1], node, 'starts');
      axes = node.inputs[3] ? this.constNumbers(node.inputs[3], node, 'axes') : [...starts.keys()];
      steps = node.inputs[4] ? this.constNumbers(node.inputs[4], node, 'steps') : starts.map(() => 1);
    }
    const outShape = this.shape(node.outputs[0], node);
    const allStarts = shape.map(() => 0);
    const allSteps = shape.map(() => 1);
    axes.forEach((a, i) => {
      const axis = this.axis(node, a, rank);
      const dim = shape[axis];
      const step = steps[i];
      if (step === 0) this.unsupported(node, 'non-zero steps');
      let start = starts[i];
      if (start < 0) start += dim;
      start = step > 0 ? Math.min(Math.max(start, 0), dim) : Math.min(Math.max(start, 0), dim - 1);
      if (outShape[axis] === 0 || start >= dim) start = 0;
      allStarts[axis] = Math.max(start, 0);
      allSteps[axis] = step;
    });
    this.emit('Slice', node, [node.inputs[0]], [node.outputs[0]], { starts: allStarts, steps: allSteps });
  }

  private lowerPad(node: Node): void {
    const rank = this.shape(node.inputs[0], node).length;
    let pads: number[];
    let value = 0;
    if (this.g.opset < 11) {
      pads = attrInts(node, 'pads');
      value = attrFloat(node, 'value', 0);
    } else {
      pads = this.constNumbers(node.inputs[1], node, 'pads');
      if (node.inputs[2]) value = this.constNumbers(node.inputs[2], node, 'constant_value')[0] ?? 0;
      if (node.inputs[3]) {
        const axes = this.constNumbers(node.inputs[3], node, 'axes').map((a) => this.axis(node, a, rank));
        const full = new Array(2 * rank).fill(0);
        axes.forEach((a, i) => {
          full[a] = pads[i];
          full[a + rank] = pads[i + axes.length];
        });
        pads = full;
      }
    }
    const mode = attrString(node, 'mode', 'constant');
    if (!['constant', 'reflect', 'edge'].includes(mode)) this.unsupported(node, 'Pad mode constant, reflect or edge');
    this.emit('Pad', node, [node.inputs[0]], [node.outputs[0]], { pads, mode, value });
  }

  private lowerReduce(node: Node): void {
    const rank = this.shape(node.inputs[0], node).length;
    let axes: number[] = [];
    if (node.inputs[1]) axes = this.constNumbers(node.inputs[1], node, 'axes');
    else if (node.attrs.axes) axes = attrInts(node, 'axes');
    const keepdims = attrInt(node, 'keepdims', 1);
    if (axes.length === 0 && attrInt(node, 'noop_with_empty_axes', 0) === 1) {
      return this.emit('Reshape', node, [node.inputs[0]], [node.outputs[0]]);
    }
    const normalized = [...new Set(axes.map((a) => this.axis(node, a, rank)))].sort((a, b) => a - b);
    this.emit(node.opType, node, [node.inputs[0]], [node.outputs[0]], { axes: normalized, keepdims });
  }

  private lowerSoftmax(node: Node): void {
    const shape = this.shape(node.inputs[0], node);
    const rank = shape.length;
    if (this.g.opset >= 13) {
      return this.emit(node.opType, node, [node.inputs[0]], [node.outputs[0]], { axis: this.axis(node, attrInt(node, 'axis', -1), rank) });
    }
    // Before opset 13 the input is coerced to 2-D at `axis` and the softmax runs over the whole second part.
    const axis = this.axis(node, attrInt(node, 'axis', 1), rank);
    if (axis === rank - 1) return this.emit(node.opType, node, [node.inputs[0]], [node.outputs[0]], { axis });
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis).reduce((a, b) => a * b, 1);
    const flat = this.reshape(node, node.inputs[0], [outer, inner]);
    const soft = this.temp(node.outputs[0], 'float32', [outer, inner]);
    this.emit(node.opType, node, [flat], [soft], { axis: 1 });
    this.emit('Reshape', node, [soft], [node.outputs[0]]);
  }

  private lowerBatchNorm(node: Node): void {
    const [x, gammaName, betaName, meanName, varName] = node.inputs;
    const gamma = this.constNumbers(gammaName, node, 'scale');
    const beta = this.constNumbers(betaName, node, 'bias');
    const mean = this.constNumbers(meanName, node, 'mean');
    const variance = this.constNumbers(varName, node, 'var');
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const c = gamma.length;
    const scale = new Float32Array(c);
    const bias = new Float32Array(c);
    for (let i = 0; i < c; i++) {
      scale[i] = gamma[i] / Math.sqrt(variance[i] + epsilon);
      bias[i] = beta[i] - mean[i] * scale[i];
    }
    const s = this.tempConstant(`${node.name}_scale`, { type: 'float32', dims: [c], data: scale });
    const b = this.tempConstant(`${node.name}_bias`, { type: 'float32', dims: [c], data: bias });
    const rank = this.shape(x, node).length;
    this.emit('ChannelAffine', node, [x, s, b], [node.outputs[0]], { axis: rank === 1 ? 0 : 1 });
  }

  /** Spatial attrs in native 2-D form: kernel, strides, dilations, pads [t,l,b,r]; 1-D is H = 1. */
  private spatialAttrs(node: Node, inShape: number[], outShape: number[], kernel: number[], transposed: boolean): Record<string, number[]> {
    const nd = kernel.length;
    const strides = attrInts(node, 'strides', kernel.map(() => 1));
    const dilations = attrInts(node, 'dilations', kernel.map(() => 1));
    let pads = attrInts(node, 'pads', new Array(2 * nd).fill(0));
    const autoPad = attrString(node, 'auto_pad', 'NOTSET');
    if (autoPad === 'VALID') pads = new Array(2 * nd).fill(0);
    else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      pads = new Array(2 * nd).fill(0);
      for (let i = 0; i < nd; i++) {
        const input = inShape[2 + i];
        const output = outShape[2 + i];
        const effective = (kernel[i] - 1) * dilations[i] + 1;
        const total = transposed
          ? Math.max(0, strides[i] * (input - 1) + attrInts(node, 'output_padding', kernel.map(() => 0))[i] + effective - output)
          : Math.max(0, (output - 1) * strides[i] + effective - input);
        const small = Math.floor(total / 2);
        const upper = autoPad === 'SAME_UPPER';
        pads[i] = transposed ? (upper ? total - small : small) : upper ? small : total - small;
        pads[i + nd] = total - pads[i];
      }
    } else if (transposed && node.attrs.output_shape && !node.attrs.pads) {
      for (let i = 0; i < nd; i++) {
        const effective = (kernel[i] - 1) * dilations[i] + 1;
        const total = Math.max(0, strides[i] * (inShape[2 + i] - 1) + attrInts(node, 'output_padding', kernel.map(() => 0))[i] + effective - outShape[2 + i]);
        pads[i] = total - Math.floor(total / 2);
        pads[i + nd] = Math.floor(total / 2);
      }
    }
    if (nd === 1) {
      return { kernel_shape: [1, kernel[0]], strides: [1, strides[0]], dilations: [1, dilations[0]], pads: [0, pads[0], 0, pads[1]] };
    }
    if (nd !== 2) this.unsupported(node, '1-D or 2-D spatial dimensions');
    return { kernel_shape: kernel, strides, dilations, pads: [pads[0], pads[1], pads[2], pads[3]] };
  }

  /** Runs `body` on 4-D versions of X / R / Y, reshaping 3-D (1-D spatial) tensors to H = 1 and back. */
  private as4d(node: Node, x: string, y: string, body: (x4: string, y4: string, to4d: (name: string) => string) => void): void {
    const xShape = this.shape(x, node);
    if (xShape.length === 4) return body(x, y, (n) => n);
    if (xShape.length !== 3) this.unsupported(node, 'a 3-D or 4-D input');
    const to4 = (s: number[]) => [s[0], s[1], 1, s[2]];
    const yShape = this.shape(y, node);
    const x4 = this.reshape(node, x, to4(xShape));
    const y4 = this.temp(y, this.tensor(y, node).dtype, to4(yShape));
    body(x4, y4, (n) => (n ? this.reshape(node, n, to4(this.shape(n, node))) : n));
    this.emit('Reshape', node, [y4], [y]);
  }

  private lowerSpatial4d(node: Node, type: string, attrs: Record<string, NativeAttr>): void {
    this.as4d(node, node.inputs[0], node.outputs[0], (x4, y4) => this.emit(type, node, [x4], [y4], attrs));
  }

  private lowerPool(node: Node): void {
    if (node.outputs.length > 1 && node.outputs[1]) this.unsupported(node, 'no Indices output');
    const inShape = this.shape(node.inputs[0], node);
    const outShape = this.shape(node.outputs[0], node);
    const kernel = attrInts(node, 'kernel_shape');
    const attrs: Record<string, NativeAttr> = this.spatialAttrs(node, inShape, outShape, kernel, false);
    if (node.opType === 'AveragePool') {
      attrs.count_include_pad = attrInt(node, 'count_include_pad', 0);
      delete attrs.dilations;
    }
    this.lowerSpatial4d(node, node.opType, attrs);
  }

  /** Epilogue attrs from the fusion passes (see lib/passes/activation-fusion.ts). */
  private epilogue(node: Node): { name: string; alpha?: number; beta?: number } {
    const name = attrString(node, 'activation', 'none');
    const alpha = node.attrs.activation_alpha ? attrFloat(node, 'activation_alpha') : undefined;
    const beta = node.attrs.activation_beta ? attrFloat(node, 'activation_beta') : undefined;
    return { name, alpha, beta };
  }

  /**
   * Emits `type` producing Y with the fused residual and activation when R has Y's exact shape; otherwise emits the
   * op plain, then Add(R) and the activation as separate ops (the epilogue cannot broadcast).
   */
  private emitWithEpilogue(
    node: Node,
    type: string,
    inputs: string[],
    residual: string,
    y: string,
    attrs: Record<string, NativeAttr>,
    actKeys: [string, string],
  ): void {
    const act = this.epilogue(node);
    const actAttrs = (a: typeof act): Record<string, NativeAttr> => {
      const out: Record<string, NativeAttr> = { activation: a.name };
      if (a.alpha !== undefined) out[actKeys[0]] = a.alpha;
      if (a.beta !== undefined) out[actKeys[1]] = a.beta;
      return out;
    };
    const yShape = this.shape(y, node);
    // Trailing absent inputs are dropped (ConvTranspose takes no residual at all).
    const withResidual = (r: string) => {
      const list = [...inputs, r];
      while (list.length > 2 && !list[list.length - 1]) list.pop();
      return list;
    };
    if (!residual || sameShape(this.shape(residual, node), yShape)) {
      this.emit(type, node, withResidual(residual), [y], { ...attrs, ...actAttrs(act) });
      return;
    }
    const plain = this.temp(y, 'float32', yShape);
    this.emit(type, node, withResidual(''), [plain], { ...attrs, activation: 'none' });
    if (act.name === 'none') return this.emit('Add', node, [plain, residual], [y]);
    const sum = this.temp(y, 'float32', yShape);
    this.emit('Add', node, [plain, residual], [sum]);
    const standalone = standaloneActivation(act.name, act.alpha, act.beta);
    this.emit(standalone.type, node, [sum], [y], standalone.attrs);
  }

  private lowerConv(node: Node): void {
    const transposed = node.opType === 'ConvTranspose';
    const [x, w, b = '', r = ''] = node.inputs;
    const y = node.outputs[0];
    const wValue = this.constant(w);
    if (!wValue) this.unsupported(node, 'constant weights');
    const inShape = this.shape(x, node);
    const outShape = this.shape(y, node);
    const kernel = attrInts(node, 'kernel_shape', wValue.dims.slice(2));
    const attrs: Record<string, NativeAttr> = { group: attrInt(node, 'group', 1), ...this.spatialAttrs(node, inShape, outShape, kernel, transposed) };
    this.as4d(node, x, y, (x4, y4, to4d) => {
      let w4 = w;
      if (wValue.dims.length === 3) {
        const [d0, d1, k] = wValue.dims;
        w4 = this.tempConstant(w, { ...wValue, dims: [d0, d1, 1, k] });
      }
      const r4 = r && this.shape(r, node).length === 3 ? to4d(r) : r;
      this.emitWithEpilogue(node, node.opType, [x4, w4, b], r4, y4, attrs, ['alpha', 'beta']);
    });
  }

  /** The int8 op's contract attributes (scales, zero points, activation ...) as native attrs. */
  private int8Attrs(node: Node): Record<string, NativeAttr> {
    const out: Record<string, NativeAttr> = {};
    for (const [k, a] of Object.entries(node.attrs)) {
      if (INT8_REWRITTEN_ATTRS.includes(k)) continue;
      if (a.kind === 'float' || a.kind === 'int' || a.kind === 'string' || a.kind === 'floats' || a.kind === 'ints') out[k] = a.value;
    }
    if (int8OutputType(node) === 'float32' && (node.opType === 'QConv' || node.opType === 'QGemm')) {
      out.y_scale ??= 1;
      out.y_zero_point ??= 0;
    }
    return out;
  }

  /** Internal int8 ops (lib/ir/int8-ops.ts) → the native int8 ops of the same name. */
  private lowerInt8(node: Node): void {
    const y = node.outputs[0];
    const trimmed = (inputs: string[]) => {
      const list = inputs.slice();
      while (list.length > 2 && !list[list.length - 1]) list.pop();
      return list;
    };
    switch (node.opType) {
      case 'QConv': {
        const [x, w, b = '', r = ''] = node.inputs;
        const wValue = this.constant(w);
        if (!wValue) this.unsupported(node, 'constant weights');
        const kernel = attrInts(node, 'kernel_shape', wValue.dims.slice(2));
        const attrs: Record<string, NativeAttr> = {
          group: attrInt(node, 'group', 1),
          ...this.spatialAttrs(node, this.shape(x, node), this.shape(y, node), kernel, false),
          ...this.int8Attrs(node),
        };
        return this.as4d(node, x, y, (x4, y4, to4d) => {
          let w4 = w;
          if (wValue.dims.length === 3) w4 = this.tempConstant(w, { ...wValue, dims: [wValue.dims[0], wValue.dims[1], 1, wValue.dims[2]] });
          this.emit('QConv', node, trimmed([x4, w4, b, r ? to4d(r) : r]), [y4], attrs);
        });
      }
      case 'QGemm':
        return this.emit('QGemm', node, trimmed([node.inputs[0], node.inputs[1], node.inputs[2] ?? '', node.inputs[3] ?? '']), [y], this.int8Attrs(node));
      case 'QMaxPool':
      case 'QAveragePool': {
        const kernel = attrInts(node, 'kernel_shape');
        const attrs: Record<string, NativeAttr> = { ...this.spatialAttrs(node, this.shape(node.inputs[0], node), this.shape(y, node), kernel, false), ...this.int8Attrs(node) };
        if (node.opType === 'QAveragePool') {
          attrs.count_include_pad = attrInt(node, 'count_include_pad', 0);
          delete attrs.dilations;
        }
        return this.lowerSpatial4d(node, node.opType, attrs);
      }
      case 'QGlobalAveragePool':
        return this.lowerSpatial4d(node, node.opType, this.int8Attrs(node));
      case 'QConcat': {
        const rank = this.shape(y, node).length;
        return this.emit('QConcat', node, node.inputs.slice(), [y], { ...this.int8Attrs(node), axis: this.axis(node, attrInt(node, 'axis'), rank) });
      }
      default:
        return this.emit(node.opType, node, node.inputs.slice(), [y], this.int8Attrs(node));
    }
  }

  private lowerMatMul(node: Node): void {
    const y = node.outputs[0];
    if (node.opType === 'Gemm') {
      const [a, b, c = '', r = ''] = node.inputs;
      const attrs = {
        transA: attrInt(node, 'transA', 0),
        transB: attrInt(node, 'transB', 0),
        alpha: attrFloat(node, 'alpha', 1),
        beta: attrFloat(node, 'beta', 1),
      };
      return this.emitWithEpilogue(node, 'Gemm', [a, b, c], r, y, attrs, ['alpha_act', 'beta_act']);
    }
    const [a, b, bias = '', r = ''] = node.inputs;
    this.emitWithEpilogue(node, 'MatMul', [a, b, bias], r, y, {}, ['alpha', 'beta']);
  }

  private lowerResize(node: Node): void {
    const inShape = this.shape(node.inputs[0], node);
    const outShape = this.shape(node.outputs[0], node);
    if (inShape.length !== 4) this.unsupported(node, 'a 4-D input');
    if (inShape[0] !== outShape[0] || inShape[1] !== outShape[1]) this.unsupported(node, 'resizing of H and W only');
    const oldStyle = node.opType === 'Upsample' || this.g.opset < 11;
    let scales: number[] | undefined;
    if (node.opType === 'Upsample' && node.attrs.scales) scales = attrFloats(node, 'scales', []);
    const scalesInput = oldStyle ? node.inputs[1] : node.inputs[2];
    if (!scales && scalesInput && this.shape(scalesInput, node).reduce((p, d) => p * d, 1) > 0) scales = this.constNumbers(scalesInput, node, 'scales');
    if (!scales) scales = outShape.map((d, i) => d / inShape[i]);
    let mode = attrString(node, 'mode', 'nearest');
    if (mode === 'bilinear') mode = 'linear';
    if (mode !== 'nearest' && mode !== 'linear') this.unsupported(node, 'Resize mode nearest or linear');
    if (node.attrs.antialias && attrInt(node, 'antialias', 0) !== 0) this.unsupported(node, 'antialias 0');
    const ctm = oldStyle ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    if (!['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'].includes(ctm)) {
      this.unsupported(node, 'a supported coordinate_transformation_mode');
    }
    const nearestMode = oldStyle ? 'round_prefer_floor' : attrString(node, 'nearest_mode', 'round_prefer_floor');
    this.emit('Resize', node, [node.inputs[0]], [node.outputs[0]], {
      mode,
      coordinate_transformation_mode: ctm,
      nearest_mode: oldStyle && mode === 'nearest' ? 'floor' : nearestMode,
      scales: [scales[2], scales[3]],
    });
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** Lowers every node of a specialized graph (every value has a concrete shape). */
export function lowerGraph(g: Graph): LoweredGraph {
  const l = new Lowerer(g);
  for (const node of g.nodes) l.lower(node);
  for (const out of g.outputs) {
    if (!l.tensors.has(out.name)) throw new UnsupportedError(`Expected a computed value for graph output '${out.name}' but received none`);
  }
  return { tensors: l.tensors, ops: l.ops, inputs: g.inputs.map((i) => i.name), outputs: g.outputs.map((o) => o.name) };
}
