/**
 * Turns QDQ graphs (DequantizeLinear → op → QuantizeLinear, as PyTorch, onnxruntime.quantization and sparq's own
 * quantizer write them) into sparq's internal int8 ops (lib/ir/int8-ops.ts). Whatever does not match stays fp32:
 * leftover Q / DQ become the native QuantizeLinear / DequantizeLinear, DQ of constants fold to fp32 constants.
 */
import { UnsupportedError } from '../errors';
import { attrInt } from '../ir/attributes';
import type { AttrValue, Graph, Node, TensorValue } from '../ir/graph';
import { topoSort } from '../ir/graph-utils';
import { INT8_OPS, Int8Op, OUTPUT_TYPE_ATTR, attr, int8Node, isInt8Node } from '../ir/int8-ops';
import { dtypeFromCode, toNumbers } from '../ir/tensor-values';
import { activationOf } from './activation-fusion';
import { removeDeadNodes } from './dead-nodes';
import { FusionContext, attrNumber } from './fusion-context';
import { expandOperatorForms } from './qlinear-import';
import { ActivationSpec, TABLE_ACTIVATIONS, lookupTable } from './qdq-lookup';
import {
  QuantParams,
  checkQdqNodes,
  dequantizeConstant,
  isDequantizeNode,
  isQuantizeNode,
  perTensorU8,
  quantizeValue,
  readQuantParams,
  roundEven,
  sameParams,
  valueType,
} from './qdq-params';

/** Activations the QConv / QGemm epilogue computes. */
const EPILOGUE_ACTIVATIONS = ['relu', 'clip', 'leaky_relu', 'hard_swish'];
const MOVES = ['Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze'];
const UNARY = ['Relu', 'Clip', 'LeakyRelu', 'HardSwish', 'Sigmoid', 'Tanh', 'HardSigmoid'];
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A quantized activation: the u8 value a DequantizeLinear reads, with its parameters. */
interface QuantizedInput {
  value: string;
  params: QuantParams;
}

/** The end of a pattern: an optional activation, then either a QuantizeLinear (u8 out) or fp32 consumers. */
interface OutputChain {
  act?: ActivationSpec;
  actNode?: Node;
  /** fp32 value after the activation. */
  value: string;
  q?: Node;
  qParams?: QuantParams;
}

class QdqImporter {
  private readonly added: Node[] = [];

  constructor(private readonly ctx: FusionContext) {}

  get graph(): Graph {
    return this.ctx.graph;
  }

  run(): void {
    for (const node of [...this.graph.nodes]) {
      if (this.ctx.removed.has(node) || node.domain !== '') continue;
      if (node.opType === 'Conv') this.matchConv(node);
      else if (node.opType === 'Gemm' || node.opType === 'MatMul') this.matchGemm(node);
      else if (node.opType === 'Add') this.matchAdd(node);
      else if (node.opType === 'Mul') this.matchMul(node);
      else if (node.opType === 'MaxPool' || node.opType === 'AveragePool' || node.opType === 'GlobalAveragePool') this.matchPool(node);
      else if (node.opType === 'Concat') this.matchConcat(node);
      else if (MOVES.includes(node.opType)) this.matchMove(node);
      else if (UNARY.includes(node.opType)) this.matchUnary(node);
    }
    this.lowerLeftoverQdq();
    this.ctx.commit();
    this.graph.nodes.push(...this.added);
    topoSort(this.graph);
    removeDeadNodes(this.graph);
  }

  private add(node: Node): Node {
    this.ctx.add(node);
    this.added.push(node);
    return node;
  }

  private remove(...nodes: (Node | undefined)[]): void {
    for (const n of nodes) if (n) this.ctx.remove(n);
  }

  private constant(base: string, value: TensorValue): string {
    const fresh = this.ctx.freshName(base);
    this.graph.initializers.set(fresh, value);
    return fresh;
  }

  private dqOf(value: string): Node | undefined {
    const p = this.ctx.producerOf(value);
    return p && isDequantizeNode(p) ? p : undefined;
  }

  /** `value` = DQ(u8 activation or u8 constant, per tensor): the u8 input and its params. */
  private quantizedInput(value: string): QuantizedInput | undefined {
    const dq = this.dqOf(value);
    if (!dq) return undefined;
    const params = readQuantParams(this.ctx, dq);
    if (!perTensorU8(params)) return undefined;
    return { value: dq.inputs[0], params };
  }

  /** The optional epilogue activation after `value`, then a sole u8 per-tensor QuantizeLinear (else fp32 output). */
  private outputChain(value: string, allowed: string[]): OutputChain {
    const chain: OutputChain = { value };
    const next = this.ctx.soleConsumer(value);
    if (next && next.domain === '' && next.inputs[0] === value) {
      const act = activationOf(this.ctx, next);
      if (act && allowed.includes(act.name)) {
        chain.act = act;
        chain.actNode = next;
        chain.value = next.outputs[0];
      }
    }
    const q = this.ctx.soleConsumer(chain.value);
    if (q && isQuantizeNode(q)) {
      const params = readQuantParams(this.ctx, q);
      if (perTensorU8(params)) {
        chain.q = q;
        chain.qParams = params;
      }
    }
    return chain;
  }

  private epilogueAttrs(chain: OutputChain): Record<string, AttrValue> {
    const out: Record<string, AttrValue> = { activation: attr.s(chain.act?.name ?? 'none') };
    if (chain.act?.alpha !== undefined) out.alpha = attr.f(chain.act.alpha);
    if (chain.act?.beta !== undefined) out.beta = attr.f(chain.act.beta);
    if (chain.q && chain.qParams) {
      out.y_scale = attr.f(chain.qParams.scale[0]);
      out.y_zero_point = attr.i(chain.qParams.zeroPoint[0]);
      out[OUTPUT_TYPE_ATTR] = attr.s('uint8');
    } else {
      out[OUTPUT_TYPE_ATTR] = attr.s('float32');
    }
    return out;
  }

  /** Replaces `node` (+ chain) by the int8 op writing the chain's final value. */
  private replace(node: Node, opType: Int8Op, inputs: string[], attrs: Record<string, AttrValue>, chain: OutputChain): Node {
    const output = chain.q ? chain.q.outputs[0] : chain.value;
    this.remove(node, chain.actNode, chain.q);
    return this.add(int8Node(node.name, opType, inputs, [output], attrs));
  }

  /**
   * Weights as int8 with per-channel scales along `axis` (zero points subtracted when the result still fits int8);
   * undefined when the layer must stay fp32.
   */
  private int8Weights(value: string, axis: number): { weights: TensorValue; scales: number[] } | undefined {
    const dq = this.dqOf(value);
    const t = dq && this.ctx.constant(dq.inputs[0]);
    if (!dq || !t || (t.type !== 'int8' && t.type !== 'uint8')) return undefined;
    const p = readQuantParams(this.ctx, dq);
    if (!p || (p.axis !== undefined && p.axis !== axis)) return undefined;
    const q = toNumbers(t);
    const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const data = new Int8Array(q.length);
    for (let i = 0; i < q.length; i++) {
      const c = p.axis === undefined ? 0 : Math.floor(i / inner) % p.scale.length;
      const w = q[i] - p.zeroPoint[c];
      if (w < -128 || w > 127) return undefined;
      data[i] = w;
    }
    return { weights: { type: 'int8', dims: t.dims.slice(), data }, scales: p.scale.slice() };
  }

  /**
   * Bias in accumulator units x_scale * w_scales[m] (int32), from DQ(int32 constant) or an fp32 constant.
   * null = no bias; undefined = cannot (computed bias or out of int32 range).
   */
  private int32Bias(value: string, channels: number, xScale: number, wScales: number[], multiplier = 1): Int32Array | null | undefined {
    if (!value) return null;
    let real: number[];
    let exact: number[] | undefined;
    const dq = this.dqOf(value);
    if (dq) {
      const t = this.ctx.constant(dq.inputs[0]);
      const p = t && readQuantParams(this.ctx, dq);
      if (!t || !p) return undefined;
      const q = toNumbers(t);
      if (q.length !== channels && q.length !== 1) return undefined;
      const at = (i: number) => (p.axis === undefined ? 0 : i);
      real = q.map((v, i) => (v - p.zeroPoint[at(i)]) * p.scale[at(i)] * multiplier);
      // The usual case: bias already in accumulator units (scale = x_scale * w_scale, zero point 0).
      const units = (m: number) => Math.fround(xScale * wScales[wScales.length === 1 ? 0 : m]);
      if (multiplier === 1 && t.type === 'int32' && q.every((_, i) => p.zeroPoint[at(i)] === 0 && Math.fround(p.scale[at(i)]) === units(i))) exact = q;
    } else {
      const t = this.ctx.constant(value);
      if (!t || (t.type !== 'float32' && t.type !== 'float64')) return undefined;
      real = toNumbers(t).map((v) => v * multiplier);
      if (real.length !== channels && real.length !== 1) return undefined;
    }
    const out = new Int32Array(channels);
    for (let m = 0; m < channels; m++) {
      const v = exact ? exact[exact.length === 1 ? 0 : m] : roundEven(real[real.length === 1 ? 0 : m] / (xScale * wScales[wScales.length === 1 ? 0 : m]));
      if (!(v >= INT32_MIN && v <= INT32_MAX)) return undefined;
      out[m] = v;
    }
    return out;
  }

  private matchConv(node: Node): void {
    const x = this.quantizedInput(node.inputs[0]);
    const w = x && this.int8Weights(node.inputs[1], 0);
    if (!x || !w) return;
    const m = w.weights.dims[0];
    const xScale = x.params.scale[0];
    const bias = this.int32Bias(node.inputs[2] ?? '', m, xScale, w.scales);
    if (bias === undefined) return;
    const chain = this.outputChain(node.outputs[0], EPILOGUE_ACTIVATIONS);
    const inputs = [x.value, this.constant(`${node.name}/weight_int8`, w.weights)];
    if (bias) inputs.push(this.constant(`${node.name}/bias_int32`, { type: 'int32', dims: [m], data: bias }));
    const geometry: Record<string, AttrValue> = {};
    for (const k of ['group', 'kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad']) if (node.attrs[k]) geometry[k] = node.attrs[k];
    this.replace(node, 'QConv', inputs, {
      ...geometry,
      x_scale: attr.f(xScale),
      x_zero_point: attr.i(x.params.zeroPoint[0]),
      w_scales: attr.fs(w.scales),
      ...this.epilogueAttrs(chain),
    }, chain);
  }

  /** Gemm (transA = 0, constant B) and MatMul with a constant 2-D B → QGemm with W [K, N]. */
  private matchGemm(node: Node): void {
    const gemm = node.opType === 'Gemm';
    if (gemm && attrInt(node, 'transA', 0) !== 0) return;
    const transB = gemm && attrInt(node, 'transB', 0) !== 0;
    const alpha = gemm ? attrNumber(node, 'alpha', 1) : 1;
    const beta = gemm ? attrNumber(node, 'beta', 1) : 1;
    if (!(alpha > 0)) return;
    const a = this.quantizedInput(node.inputs[0]);
    const w = a && this.int8Weights(node.inputs[1], transB ? 0 : 1);
    if (!a || !w || w.weights.dims.length !== 2) return;
    const weights = transB ? transpose2d(w.weights) : w.weights;
    const n = weights.dims[1];
    const scales = w.scales.map((s) => s * alpha);
    const aScale = a.params.scale[0];
    const bias = this.int32Bias(node.inputs[2] ?? '', n, aScale, scales, gemm ? beta : 1);
    if (bias === undefined) return;
    const chain = this.outputChain(node.outputs[0], EPILOGUE_ACTIVATIONS);
    const inputs = [a.value, this.constant(`${node.name}/weight_int8`, weights)];
    if (bias) inputs.push(this.constant(`${node.name}/bias_int32`, { type: 'int32', dims: [n], data: bias }));
    this.replace(node, 'QGemm', inputs, {
      a_scale: attr.f(aScale),
      a_zero_point: attr.i(a.params.zeroPoint[0]),
      w_scales: attr.fs(scales),
      ...this.epilogueAttrs(chain),
    }, chain);
  }

  private matchAdd(node: Node): void {
    this.matchBinary(node, 'QAdd', ['relu']);
  }

  /**
   * DQ(a), DQ(b) → Mul → Q (numpy broadcasting, e.g. a squeeze-excite gate [N,C,1,1] times [N,C,H,W]) → QMul, whose
   * native arithmetic is the chain's own float steps, so the result is bit-identical to running it unfused.
   */
  private matchMul(node: Node): void {
    this.matchBinary(node, 'QMul', []);
  }

  /** DQ(a), DQ(b) → node → [activation in `acts`] → Q becomes `op` on the u8 values, with the chain's scales. */
  private matchBinary(node: Node, op: 'QAdd' | 'QMul', acts: string[]): void {
    const a = this.quantizedInput(node.inputs[0]);
    const b = a && this.quantizedInput(node.inputs[1]);
    if (!a || !b) return;
    const chain = this.outputChain(node.outputs[0], acts);
    if (!chain.q) return;
    this.replace(node, op, [a.value, b.value], {
      a_scale: attr.f(a.params.scale[0]),
      a_zero_point: attr.i(a.params.zeroPoint[0]),
      b_scale: attr.f(b.params.scale[0]),
      b_zero_point: attr.i(b.params.zeroPoint[0]),
      y_scale: attr.f(chain.qParams!.scale[0]),
      y_zero_point: attr.i(chain.qParams!.zeroPoint[0]),
      ...(acts.length ? { activation: attr.s(chain.act?.name ?? 'none') } : {}),
    }, chain);
  }

  /** Writes `chain`'s Q output from a u8 value with params `from`: directly, or through a requantizing QLookup. */
  private requantized(node: Node, opType: Int8Op | string, inputs: string[], attrs: Record<string, AttrValue>, from: QuantParams, chain: OutputChain): void {
    const out = chain.q!.outputs[0];
    const same = sameParams(from, chain.qParams!);
    const mid = same ? out : this.ctx.freshName(`${node.name}/u8`);
    const domain = (INT8_OPS as readonly string[]).includes(opType) ? 'sparq' : '';
    this.remove(node, chain.q);
    this.add({ name: node.name, opType, domain, inputs, outputs: [mid], attrs });
    if (!same) {
      const table = this.constant(`${node.name}/requantize_table`, lookupTable(from, chain.qParams!));
      this.add(int8Node(`${node.name}/requantize`, 'QLookup', [mid, table], [out], {}));
    }
  }

  private matchPool(node: Node): void {
    if (node.outputs.length > 1 && node.outputs[1]) return;
    const x = this.quantizedInput(node.inputs[0]);
    if (!x) return;
    const chain = this.outputChain(node.outputs[0], []);
    if (!chain.q) return;
    const geometry: Record<string, AttrValue> = {};
    for (const k of ['kernel_shape', 'strides', 'pads', 'dilations', 'auto_pad', 'ceil_mode', 'count_include_pad']) if (node.attrs[k]) geometry[k] = node.attrs[k];
    if (node.opType === 'MaxPool') return this.requantized(node, 'QMaxPool', [x.value], geometry, x.params, chain);
    const y = chain.qParams!;
    this.replace(node, node.opType === 'AveragePool' ? 'QAveragePool' : 'QGlobalAveragePool', [x.value], {
      ...geometry,
      x_scale: attr.f(x.params.scale[0]),
      x_zero_point: attr.i(x.params.zeroPoint[0]),
      y_scale: attr.f(y.scale[0]),
      y_zero_point: attr.i(y.zeroPoint[0]),
    }, chain);
  }

  private matchConcat(node: Node): void {
    const inputs: QuantizedInput[] = [];
    for (const name of node.inputs) {
      const q = name ? this.quantizedInput(name) : undefined;
      if (!q) return;
      inputs.push(q);
    }
    const chain = this.outputChain(node.outputs[0], []);
    if (!chain.q) return;
    this.replace(node, 'QConcat', inputs.map((i) => i.value), {
      axis: attr.i(attrInt(node, 'axis')),
      scales: attr.fs(inputs.map((i) => i.params.scale[0])),
      zero_points: attr.is(inputs.map((i) => i.params.zeroPoint[0])),
      y_scale: attr.f(chain.qParams!.scale[0]),
      y_zero_point: attr.i(chain.qParams!.zeroPoint[0]),
    }, chain);
  }

  /** DQ → Reshape / Flatten / Transpose / Squeeze / Unsqueeze → Q: the same op moving u8 bytes. */
  private matchMove(node: Node): void {
    const x = this.quantizedInput(node.inputs[0]);
    if (!x) return;
    const chain = this.outputChain(node.outputs[0], []);
    if (!chain.q) return;
    this.requantized(node, node.opType, [x.value, ...node.inputs.slice(1)], node.attrs, x.params, chain);
  }

  /** DQ → activation → Q: folded into the producing int8 op when exact (Relu, same params), else a QLookup table. */
  private matchUnary(node: Node): void {
    const act = activationOf(this.ctx, node);
    if (!act || !TABLE_ACTIVATIONS.includes(act.name)) return;
    const dq = this.dqOf(node.inputs[0]);
    const x = this.quantizedInput(node.inputs[0]);
    if (!dq || !x) return;
    const chain = this.outputChain(node.outputs[0], []);
    if (!chain.q) return;
    const producer = this.ctx.producerOf(x.value);
    const foldable =
      act.name === 'relu' &&
      producer !== undefined &&
      (isInt8Node(producer, 'QConv') || isInt8Node(producer, 'QGemm') || isInt8Node(producer, 'QAdd')) &&
      attrString(producer, 'activation') === 'none' &&
      attrString(producer, OUTPUT_TYPE_ATTR) !== 'float32' &&
      sameParams(x.params, chain.qParams!) &&
      this.ctx.isPrivate(x.value) &&
      this.ctx.isPrivate(dq.outputs[0]);
    if (foldable) {
      producer.attrs.activation = attr.s('relu');
      producer.outputs = [chain.q.outputs[0]];
      this.ctx.producer.set(chain.q.outputs[0], producer);
      this.remove(dq, node, chain.q);
      return;
    }
    const table = this.constant(`${node.name}/table`, lookupTable(x.params, chain.qParams!, act));
    this.replace(node, 'QLookup', [x.value, table], {}, { value: chain.value, q: chain.q, qParams: chain.qParams });
  }

  /** Q / DQ left over become the native ops (per tensor); DQ of constants fold to fp32 constants. */
  private lowerLeftoverQdq(): void {
    for (const node of this.graph.nodes) {
      if (this.ctx.removed.has(node)) continue;
      const quantize = isQuantizeNode(node);
      if (!quantize && !isDequantizeNode(node)) continue;
      if (this.ctx.consumersOf(node.outputs[0]).length === 0 && !this.ctx.graphOutputs.has(node.outputs[0])) {
        this.remove(node);
        continue;
      }
      const input = this.ctx.constant(node.inputs[0]);
      const p = readQuantParams(this.ctx, node, input?.dims);
      if (!p) this.unsupported(node, 'constant scale and zero point');
      if (input) {
        this.remove(node);
        this.graph.initializers.set(node.outputs[0], quantize ? quantizeConstant(input, p) : dequantizeConstant(input, p));
        continue;
      }
      if (p.axis !== undefined) this.unsupported(node, 'a per-tensor scale on a computed value');
      if (quantize && p.type !== 'uint8' && p.type !== 'int8') this.unsupported(node, 'a uint8 or int8 zero point');
      const attrs: Record<string, AttrValue> = { scale: attr.f(p.scale[0]), zero_point: attr.i(p.zeroPoint[0]) };
      if (quantize) attrs[OUTPUT_TYPE_ATTR] = attr.s(p.type);
      this.remove(node);
      this.add(int8Node(node.name, quantize ? 'QuantizeLinear' : 'DequantizeLinear', [node.inputs[0]], [node.outputs[0]], attrs));
    }
  }

  private unsupported(node: Node, what: string): never {
    throw new UnsupportedError(`Expected ${what} for node '${node.name}' (${node.opType}) but received another`, node.opType, node.name, this.graph.opset);
  }
}

function attrString(node: Node, name: string): string | undefined {
  const a = node.attrs[name];
  return a && a.kind === 'string' ? a.value : undefined;
}

function transpose2d(t: TensorValue): TensorValue {
  const [r, c] = t.dims;
  const src = t.data as Int8Array;
  const dst = new Int8Array(src.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
  return { type: t.type, dims: [c, r], data: dst };
}

function quantizeConstant(t: TensorValue, p: QuantParams): TensorValue {
  const x = toNumbers(t);
  const inner = p.axis === undefined ? x.length : t.dims.slice(p.axis + 1).reduce((a, b) => a * b, 1);
  const data = p.type === 'int8' ? new Int8Array(x.length) : new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = p.axis === undefined ? 0 : Math.floor(i / inner) % p.scale.length;
    data[i] = quantizeValue(x[i], p.scale[c], p.zeroPoint[c], p.type);
  }
  return { type: p.type, dims: t.dims.slice(), data };
}

/** QuantizeLinear of a constant (QAT exports quantize fp32 weights in the graph) becomes the quantized constant. */
function foldQuantizedConstants(g: Graph): void {
  const ctx = new FusionContext(g);
  for (const node of g.nodes) {
    const input = isQuantizeNode(node) ? ctx.constant(node.inputs[0]) : undefined;
    const p = input && readQuantParams(ctx, node, input.dims);
    if (!input || !p || input.type !== 'float32') continue;
    g.initializers.set(node.outputs[0], quantizeConstant(input, p));
    ctx.remove(node);
  }
  ctx.commit();
}

/** Drops Cast nodes that convert a quantized value to its own type (PyTorch's exporter writes Q → Cast(uint8) → DQ). */
function dropIdentityCasts(g: Graph): void {
  const ctx = new FusionContext(g);
  const outputs = new Set(g.outputs.map((o) => o.name));
  for (const node of g.nodes) {
    if (node.domain !== '' || node.opType !== 'Cast' || outputs.has(node.outputs[0])) continue;
    const from = valueType(ctx, node.inputs[0]);
    if ((from === 'uint8' || from === 'int8') && dtypeFromCode(attrInt(node, 'to')) === from) {
      ctx.replaceUses(node.outputs[0], node.inputs[0]);
      ctx.remove(node);
    }
  }
  ctx.commit();
}

/**
 * int8 activation edges (onnxruntime.quantization's default) become uint8 ones: q + 128 with zero point + 128 is the
 * same real value and the same saturation, so a Q whose every reader is a per-tensor DQ can switch exactly.
 */
function unsignActivations(g: Graph): void {
  const ctx = new FusionContext(g);
  const shifted = (node: Node, zp: number): string => {
    const name = ctx.freshName(`${node.name}/zero_point_u8`);
    const dims = ctx.constant(node.inputs[2])!.dims.slice();
    g.initializers.set(name, { type: 'uint8', dims, data: Uint8Array.of(zp + 128) });
    return name;
  };
  for (const q of g.nodes) {
    if (!isQuantizeNode(q)) continue;
    const p = readQuantParams(ctx, q);
    const out = q.outputs[0];
    if (!p || p.type !== 'int8' || p.axis !== undefined || ctx.graphOutputs.has(out)) continue;
    const readers = ctx.consumersOf(out);
    const params = readers.map((r) => (isDequantizeNode(r) && r.inputs[0] === out ? readQuantParams(ctx, r) : undefined));
    if (readers.length === 0 || !params.every((r) => r && r.type === 'int8' && r.axis === undefined && r.zeroPoint.length === 1)) continue;
    q.inputs[2] = shifted(q, p.zeroPoint[0]);
    readers.forEach((r, k) => (r.inputs[2] = shifted(r, params[k]!.zeroPoint[0])));
  }
}

/**
 * Rewrites `g` in place (QDQ patterns and QLinear / Integer ops → int8 ops) and returns it.
 * @throws ModelFormatError for bad quantization parameters (scale ≤ 0 or not finite, zero point out of range,
 *   per-axis lengths that do not match).
 */
export function importQdq(g: Graph): Graph {
  const hasQuant = g.nodes.some((n) => /quantize|^QLinear|Integer$/i.test(n.opType));
  if (!hasQuant) return g;
  expandOperatorForms(g);
  checkQdqNodes(new FusionContext(g));
  foldQuantizedConstants(g);
  dropIdentityCasts(g);
  unsignActivations(g);
  new QdqImporter(new FusionContext(g)).run();
  return g;
}
