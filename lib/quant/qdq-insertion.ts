/**
 * Writes the quantized model as a standard QDQ ONNX graph: QuantizeLinear after each quantized tensor's producer,
 * a DequantizeLinear of its own for every int8 consumer (the layout onnxruntime fuses into QLinearConv / QLinearAdd and
 * sparq's QDQ lowering turns into native int8 ops), int8 weights and int32 biases as initializers behind
 * DequantizeLinear (per axis when per channel). Nothing derivable is stored: a bias's scale is computed by a Mul of
 * x_scale and the weight scales (folded to a constant at load by onnxruntime and sparq alike), and Conv weights, whose
 * zero points are 0 by the symmetric scheme, leave them out.
 */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import type { ActivationParams, QuantizedWeights } from './quant-params';
import { biasScales, quantizeBias } from './quant-params';
import { QuantizationPlan, activationInputs } from './quantization-plan';

/** Weights and (possibly corrected) float bias of one weighted layer. */
export interface LayerQuantization {
  weights: QuantizedWeights;
  /** Per-tensor weights when the scales hold one value. */
  perChannel: boolean;
  /** Float bias to quantize (undefined = the layer has none and needs none). */
  bias: Float32Array | undefined;
}

const scalar = (type: TensorValue['type'], data: TensorValue['data']): TensorValue => ({ type, dims: [], data });

class QdqWriter {
  readonly nodes: Node[] = [];
  private readonly used = new Set<string>();
  /** Quantized value name per float tensor. */
  private readonly quantized = new Map<string, string>();
  /** The shared dequantized value per float tensor, for fp32 consumers. */
  private readonly sharedDequantized = new Map<string, string>();

  constructor(
    private readonly g: Graph,
    private readonly params: Map<string, ActivationParams>,
  ) {
    for (const v of [...g.inputs, ...g.outputs]) this.used.add(v.name);
    for (const k of g.initializers.keys()) this.used.add(k);
    for (const n of g.nodes) {
      this.used.add(n.name);
      for (const v of [...n.inputs, ...n.outputs]) this.used.add(v);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  initializer(base: string, t: TensorValue): string {
    const name = this.fresh(base);
    this.g.initializers.set(name, t);
    return name;
  }

  /** Scale and zero-point initializers of a tensor, made once. */
  private paramNames = new Map<string, [string, string]>();
  private paramsOf(tensor: string): [string, string] {
    let names = this.paramNames.get(tensor);
    if (!names) {
      const p = this.params.get(tensor)!;
      names = [
        this.initializer(`${tensor}_scale`, scalar('float32', Float32Array.of(p.scale))),
        this.initializer(`${tensor}_zero_point`, scalar('uint8', Uint8Array.of(p.zeroPoint))),
      ];
      this.paramNames.set(tensor, names);
    }
    return names;
  }

  quantize(tensor: string): void {
    const [s, zp] = this.paramsOf(tensor);
    const out = this.fresh(`${tensor}_quantized`);
    this.nodes.push({ name: this.fresh(`${tensor}_QuantizeLinear`), opType: 'QuantizeLinear', domain: '', inputs: [tensor, s, zp], outputs: [out], attrs: {} });
    this.quantized.set(tensor, out);
  }

  /** A DequantizeLinear of `tensor` for one consumer (`owner`) or the shared one for fp32 consumers. */
  dequantize(tensor: string, owner?: Node): string {
    if (!owner) {
      const shared = this.sharedDequantized.get(tensor);
      if (shared) return shared;
    }
    const [s, zp] = this.paramsOf(tensor);
    const out = this.fresh(owner ? `${tensor}_dequantized_for_${owner.name}` : `${tensor}_dequantized`);
    this.nodes.push({ name: this.fresh(`${out}_DequantizeLinear`), opType: 'DequantizeLinear', domain: '', inputs: [this.quantized.get(tensor)!, s, zp], outputs: [out], attrs: {} });
    if (!owner) this.sharedDequantized.set(tensor, out);
    return out;
  }

  /** The scale value of a constant DequantizeLinear: a new initializer holding `scales`, or an existing value. */
  scaleValue(base: string, scales: Float32Array, perAxis: boolean): string {
    return this.initializer(`${base}_scale`, perAxis ? { type: 'float32', dims: [scales.length], data: scales } : scalar('float32', Float32Array.of(scales[0])));
  }

  /** The scale name of an activation tensor's QuantizeLinear. */
  activationScale(tensor: string): string {
    return this.paramsOf(tensor)[0];
  }

  /** A Mul node computing a value from two others (a bias scale from x_scale and the weight scales). */
  product(base: string, a: string, b: string): string {
    const out = this.fresh(base);
    this.nodes.push({ name: this.fresh(`${base}_Mul`), opType: 'Mul', domain: '', inputs: [a, b], outputs: [out], attrs: {} });
    return out;
  }

  /**
   * DequantizeLinear of a constant integer tensor with the scale value `scale` (per axis when `axis` is given).
   * int8 weights carry explicit zero points only when `zeroPoints` (onnxruntime's QGemm insists on them); otherwise
   * they are left out (0 by default, as for int32 biases), saving a byte a channel.
   */
  constantDequantize(base: string, q: TensorValue, scale: string, channels: number, axis: number | undefined, zeroPoints: boolean): string {
    const perAxis = axis !== undefined;
    const inputs = [this.initializer(`${base}_quantized`, q), scale];
    if (q.type === 'int8' && zeroPoints) {
      const zeros = new Int8Array(perAxis ? channels : 1);
      inputs.push(this.initializer(`${base}_zero_point`, perAxis ? { type: 'int8', dims: [channels], data: zeros } : scalar('int8', zeros)));
    }
    const out = this.fresh(`${base}_dequantized`);
    const attrs: Node['attrs'] = perAxis ? { axis: { kind: 'int', value: axis } } : {};
    this.nodes.push({ name: this.fresh(`${out}_DequantizeLinear`), opType: 'DequantizeLinear', domain: '', inputs, outputs: [out], attrs });
    return out;
  }

  isQuantized(tensor: string): boolean {
    return this.quantized.has(tensor);
  }
}

/**
 * The QDQ graph of `g` (which is not modified).
 * @param params u8 parameters of every tensor in plan.tensors.
 * @param layers weight / bias quantization of every weighted node in the plan.
 */
export function insertQdq(g: Graph, plan: QuantizationPlan, params: Map<string, ActivationParams>, layers: Map<string, LayerQuantization>): Graph {
  const out = cloneGraph(g);
  const w = new QdqWriter(out, params);
  for (const input of out.inputs) if (plan.tensors.has(input.name)) w.quantize(input.name);
  for (const node of out.nodes) {
    const role = plan.roles.get(node.name);
    const activations = new Set(role ? activationInputs(node, role) : []);
    const original = node.inputs.slice();
    node.inputs = node.inputs.map((name, i) => {
      if (!w.isQuantized(name)) return name;
      return activations.has(i) ? w.dequantize(name, node) : w.dequantize(name);
    });
    const layer = role === 'weighted' ? layers.get(node.name) : undefined;
    if (layer) rewriteWeighted(w, out, node, original[0], plan, params, layer);
    w.nodes.push(node);
    for (const o of node.outputs) if (plan.tensors.has(o)) w.quantize(o);
  }
  out.nodes = w.nodes;
  pruneInitializers(out);
  return out;
}

function rewriteWeighted(w: QdqWriter, g: Graph, node: Node, input: string, plan: QuantizationPlan, params: Map<string, ActivationParams>, layer: LayerQuantization): void {
  const info = plan.weighted.get(node.name)!;
  const weightName = node.inputs[1];
  const weight = g.initializers.get(weightName)!;
  const perAxis = layer.perChannel;
  const axis = perAxis ? info.axis : undefined;
  const wScale = w.scaleValue(weightName, layer.weights.scales, perAxis);
  node.inputs[1] = w.constantDequantize(weightName, { type: 'int8', dims: weight.dims.slice(), data: layer.weights.data }, wScale, info.channels, axis, node.opType !== 'Conv');
  if (!layer.bias) return;
  const xParams = plan.tensors.has(input) ? params.get(input) : undefined;
  if (!xParams) {
    // The input stays fp32 (e.g. it is a graph output): the bias stays a float initializer.
    node.inputs[2] = w.initializer(`${node.name}_bias`, { type: 'float32', dims: [layer.bias.length], data: layer.bias });
    return;
  }
  // The bias is stored in units of float32(x_scale * w_scale), the scale QLinearConv / QGemm assume: the same product
  // the Mul computes when the graph is loaded.
  const q = quantizeBias(layer.bias, biasScales(xParams.scale, layer.weights.scales, info.channels));
  const bScale = w.product(`${node.name}_bias_scale`, w.activationScale(input), wScale);
  node.inputs[2] = w.constantDequantize(`${node.name}_bias`, { type: 'int32', dims: [info.channels], data: q }, bScale, info.channels, perAxis ? 0 : undefined, false);
}

function pruneInitializers(g: Graph): void {
  const read = new Set<string>();
  for (const n of g.nodes) for (const i of n.inputs) read.add(i);
  for (const o of g.outputs) read.add(o.name);
  for (const k of [...g.initializers.keys()]) if (!read.has(k)) g.initializers.delete(k);
}
