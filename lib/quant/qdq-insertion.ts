/**
 * Writes the quantized model as a standard QDQ ONNX graph: QuantizeLinear after each quantized tensor's producer,
 * a DequantizeLinear of its own for every int8 consumer (the layout onnxruntime fuses into QLinearConv / QLinearAdd and
 * sparq's QDQ lowering turns into native int8 ops), int8 weights and int32 biases as initializers behind
 * DequantizeLinear (per axis when per channel).
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

  /**
   * DequantizeLinear of a constant integer tensor with per-axis (or scalar) scales. int8 weights carry their zero
   * points (onnxruntime's QGemm insists); int32 biases leave them out (0 by default), saving 4 bytes a channel.
   */
  constantDequantize(base: string, q: TensorValue, scales: Float32Array, axis: number | undefined): string {
    const perAxis = axis !== undefined;
    const channels = perAxis ? scales.length : 1;
    const inputs = [this.initializer(`${base}_quantized`, q)];
    inputs.push(this.initializer(`${base}_scale`, perAxis ? { type: 'float32', dims: [channels], data: scales } : scalar('float32', Float32Array.of(scales[0]))));
    if (q.type === 'int8') {
      const zeros = new Int8Array(channels);
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
  const axis = layer.perChannel ? info.axis : undefined;
  node.inputs[1] = w.constantDequantize(weightName, { type: 'int8', dims: weight.dims.slice(), data: layer.weights.data }, layer.weights.scales, axis);
  if (!layer.bias) return;
  const xParams = plan.tensors.has(input) ? params.get(input) : undefined;
  if (!xParams) {
    // The input stays fp32 (e.g. it is a graph output): the bias stays a float initializer.
    node.inputs[2] = w.initializer(`${node.name}_bias`, { type: 'float32', dims: [layer.bias.length], data: layer.bias });
    return;
  }
  const scales = biasScales(xParams.scale, layer.weights.scales, info.channels);
  const q = quantizeBias(layer.bias, scales);
  const perAxis = layer.perChannel;
  node.inputs[2] = w.constantDequantize(`${node.name}_bias`, { type: 'int32', dims: [info.channels], data: q }, perAxis ? scales : scales.subarray(0, 1), perAxis ? 0 : undefined);
}

function pruneInitializers(g: Graph): void {
  const read = new Set<string>();
  for (const n of g.nodes) for (const i of n.inputs) read.add(i);
  for (const o of g.outputs) read.add(o.name);
  for (const k of [...g.initializers.keys()]) if (!read.has(k)) g.initializers.delete(k);
}
