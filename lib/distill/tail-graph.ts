/**
 * The trainable tail of a model: the nodes downstream of the chosen layers that lead to the output, run in
 * TypeScript on the values that feed them (the frontier, computed by the engine), with forward and backward.
 */
import { UnsupportedError } from '../errors';
import { attrInt, attrTensor } from '../ir/attributes';
import type { Graph, Node, TensorValue } from '../ir/graph';
import { evaluateNode } from '../ir/evaluate';
import { toNumbers } from '../ir/tensor-values';
import { dequantizeConstant } from '../passes/qdq-params';
import { BatchNormTailOp } from './tail-batchnorm';
import { ConvTailOp } from './tail-conv';
import { ActivationTailOp, AddTailOp, FakeQuantTailOp, GlobalAveragePoolTailOp, ReshapeTailOp } from './tail-elementwise';
import { LinearTailOp } from './tail-linear';
import { Activation, TailOp, TrainableParam } from './tail-op';

/** Ops whose parameters can be fine-tuned. */
export const TRAINABLE_OPS: ReadonlySet<string> = new Set(['Conv', 'Gemm', 'MatMul', 'BatchNormalization']);
/** Ops counted by a numeric `layers` option (BatchNormalization only by name). */
const LAYER_OPS: ReadonlySet<string> = new Set(['Conv', 'Gemm', 'MatMul']);

export class TailModel {
  readonly params: TrainableParam[];
  private readonly needsGrad: Set<string>;
  private values = new Map<string, Activation>();

  constructor(
    readonly ops: readonly TailOp[],
    /** Values the engine computes and the tail reads (graph inputs, probed intermediates). */
    readonly frontier: readonly string[],
    readonly output: string,
    /** The fine-tuned node names, in graph order. */
    readonly layers: readonly string[],
  ) {
    this.params = ops.flatMap((op) => [...op.params]);
    this.needsGrad = new Set(ops.map((op) => op.output));
  }

  /** The output for one sample's frontier values; keeps the activations for backward. */
  forward(features: ReadonlyMap<string, Activation>): Activation {
    const values = new Map(features);
    for (const op of this.ops) values.set(op.output, op.forward(op.inputs.map((name) => values.get(name)!)));
    this.values = values;
    return values.get(this.output)!;
  }

  /** Accumulates every parameter's gradient for d(loss)/d(output) of the last forward. */
  backward(dOutput: Float64Array): void {
    const grads = new Map<string, Float64Array>([[this.output, dOutput]]);
    for (let k = this.ops.length - 1; k >= 0; k--) {
      const op = this.ops[k];
      const dy = grads.get(op.output);
      if (!dy) continue;
      // A conv whose raw output is probed reads and writes one value name: nothing upstream to reach.
      const need = op.inputs.map((name) => name !== op.output && this.needsGrad.has(name));
      const dxs = op.backward(dy, need);
      op.inputs.forEach((name, i) => {
        const dx = dxs[i];
        if (!dx) return;
        const previous = grads.get(name);
        if (!previous) {
          grads.set(name, dx);
          return;
        }
        const sum = new Float64Array(dx.length);
        for (let j = 0; j < dx.length; j++) sum[j] = previous[j] + dx[j];
        grads.set(name, sum);
      });
    }
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad.fill(0);
  }
}

/** Constants of the graph: initializers and what constant-only nodes (Constant, DequantizeLinear of weights, shape math) compute. */
class Constants {
  private readonly producers = new Map<string, Node>();
  private readonly cache = new Map<string, TensorValue | null>();

  constructor(private readonly graph: Graph) {
    for (const n of graph.nodes) for (const o of n.outputs) this.producers.set(o, n);
  }

  get(name: string): TensorValue | undefined {
    if (name === '') return undefined;
    const init = this.graph.initializers.get(name);
    if (init) return init;
    if (this.cache.has(name)) return this.cache.get(name) ?? undefined;
    this.cache.set(name, null);
    const node = this.producers.get(name);
    const value = node ? this.evaluate(node, name) : undefined;
    this.cache.set(name, value ?? null);
    return value;
  }

  isConstant(name: string): boolean {
    return name === '' || this.get(name) !== undefined;
  }

  private evaluate(node: Node, name: string): TensorValue | undefined {
    if (node.opType === 'Constant') return node.attrs.value ? attrTensor(node, 'value') : undefined;
    const inputs = node.inputs.map((i) => this.get(i));
    if (node.inputs.some((i, k) => i !== '' && !inputs[k])) return undefined;
    if (node.opType === 'DequantizeLinear') {
      const scale = toNumbers(inputs[1]!);
      const zeroPoint = inputs[2] ? toNumbers(inputs[2]) : scale.map(() => 0);
      const perAxis = scale.length > 1;
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += inputs[0]!.dims.length;
      return dequantizeConstant(inputs[0]!, { scale, zeroPoint, type: inputs[0]!.type, axis: perAxis ? axis : undefined });
    }
    const outs = evaluateNode(node, inputs, this.graph.opset);
    return outs?.[node.outputs.indexOf(name)];
  }
}

function floatConstant(node: Node, constants: Constants, index: number, what: string, required: boolean): TensorValue | undefined {
  const name = node.inputs[index] ?? '';
  const value = constants.get(name);
  if (!value && (required || name !== '')) {
    throw new UnsupportedError(`Expected a constant ${what} for trainable-tail node '${node.name}' (${node.opType}) but received a computed value '${name}'`, node.opType, node.name);
  }
  if (value && value.type !== 'float32') {
    throw new UnsupportedError(`Expected a float32 ${what} for trainable-tail node '${node.name}' (${node.opType}) but received ${value.type}`, node.opType, node.name);
  }
  return value;
}

/** Values each node's output flows into, transitively. */
function descendants(graph: Graph, roots: ReadonlySet<string>): Set<string> {
  const reached = new Set<string>();
  const values = new Set<string>();
  for (const n of graph.nodes) {
    if (roots.has(n.name) || n.inputs.some((i) => values.has(i))) {
      reached.add(n.name);
      for (const o of n.outputs) values.add(o);
    }
  }
  return reached;
}

/** Nodes the output depends on. */
function ancestors(graph: Graph, output: string): Set<string> {
  const wanted = new Set<string>([output]);
  const reached = new Set<string>();
  for (let k = graph.nodes.length - 1; k >= 0; k--) {
    const n = graph.nodes[k];
    if (!n.outputs.some((o) => wanted.has(o))) continue;
    reached.add(n.name);
    for (const i of n.inputs) wanted.add(i);
  }
  return reached;
}

/**
 * Node names a numeric or named `layers` option stands for: n = the last n Conv/Gemm/MatMul layers with a constant
 * weight the output depends on.
 * @throws RangeError for an unknown name, a node that has no trainable parameters, or more layers than the model has.
 */
export function resolveLayers(graph: Graph, layers: number | readonly string[]): string[] {
  const constants = new Constants(graph);
  const upstream = ancestors(graph, graph.outputs[0].name);
  const candidates = graph.nodes.filter((n) => n.domain === '' && upstream.has(n.name) && LAYER_OPS.has(n.opType) && constants.isConstant(n.inputs[1]));
  if (typeof layers === 'number') {
    if (layers > candidates.length) {
      throw new RangeError(`Expected at most ${candidates.length} (the Conv/Gemm/MatMul layers of the model) for options.layers but received ${layers}`);
    }
    return candidates.slice(candidates.length - layers).map((n) => n.name);
  }
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  for (const name of layers) {
    const node = byName.get(name);
    if (!node) throw new RangeError(`Expected node names of the student for options.layers but received "${name}", which is not one`);
    if (node.domain !== '' || !TRAINABLE_OPS.has(node.opType)) {
      throw new RangeError(`Expected Conv, Gemm, MatMul or BatchNormalization nodes for options.layers but received "${name}" (${node.opType})`);
    }
    if (!upstream.has(name)) throw new RangeError(`Expected layers the output "${graph.outputs[0].name}" depends on for options.layers but received "${name}"`);
  }
  return graph.nodes.filter((n) => layers.includes(n.name)).map((n) => n.name);
}

function makeOp(node: Node, constants: Constants, trainable: boolean, inputIsFrontier: boolean): TailOp {
  if (node.domain !== '') throw new UnsupportedError(`Expected standard ONNX ops in the trainable tail but received node '${node.name}' (${node.domain}.${node.opType})`, node.opType, node.name);
  const constantOf = (i: number): TensorValue | undefined => constants.get(node.inputs[i] ?? '');
  switch (node.opType) {
    case 'Conv':
      return new ConvTailOp(node, floatConstant(node, constants, 1, 'weight', true)!, floatConstant(node, constants, 2, 'bias', false), !(trainable && inputIsFrontier), trainable);
    case 'Gemm':
    case 'MatMul':
      return new LinearTailOp(node, floatConstant(node, constants, 1, 'weight', true)!, floatConstant(node, constants, 2, 'bias', false), trainable);
    case 'BatchNormalization':
      return new BatchNormTailOp(node, [1, 2, 3, 4].map((i) => floatConstant(node, constants, i, 'BatchNormalization parameter', true)!), trainable);
    case 'Relu':
    case 'Clip':
    case 'LeakyRelu':
      return new ActivationTailOp(node, node.inputs.map((_, i) => constantOf(i)));
    case 'Add': {
      const index = node.inputs.findIndex((i) => constants.isConstant(i));
      return new AddTailOp(node, index >= 0 ? constantOf(index) : undefined, index);
    }
    case 'Flatten':
    case 'Reshape':
    case 'Identity':
    case 'Squeeze':
      return new ReshapeTailOp(node, constantOf(1));
    case 'GlobalAveragePool':
      return new GlobalAveragePoolTailOp(node);
    case 'QuantizeLinear':
    case 'DequantizeLinear':
      return new FakeQuantTailOp(node, node.inputs.map((_, i) => constantOf(i)));
    default:
      throw new UnsupportedError(
        `Expected ops with a gradient (Conv, Gemm, MatMul, BatchNormalization, Relu, Clip, LeakyRelu, Add, Flatten, Reshape, Identity, Squeeze, GlobalAveragePool, QuantizeLinear, DequantizeLinear) between the chosen layers and the output but received node '${node.name}' (${node.opType})`,
        node.opType,
        node.name,
      );
  }
}

/**
 * Builds the tail for the chosen layer names (see resolveLayers) of a graph with one output.
 * @throws UnsupportedError naming the node for an op without a gradient here, or a chosen layer whose weights are not
 *   float32 constants (e.g. an int8 layer: keep it fp32 with quantize's `exclude`).
 */
export function buildTail(graph: Graph, layers: readonly string[]): TailModel {
  const constants = new Constants(graph);
  const output = graph.outputs[0].name;
  const chosen = new Set(layers);
  const below = descendants(graph, chosen);
  const above = ancestors(graph, output);
  const nodes = graph.nodes.filter((n) => below.has(n.name) && above.has(n.name) && !n.outputs.every((o) => constants.isConstant(o)));
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const frontier: string[] = [];
  const ops = nodes.map((node) => {
    const activations = node.inputs.filter((i) => !constants.isConstant(i));
    const inputIsFrontier = activations.length > 0 && activations.every((i) => !produced.has(i));
    const op = makeOp(node, constants, chosen.has(node.name), inputIsFrontier);
    for (const name of op.inputs) if ((!produced.has(name) || name === op.output) && !frontier.includes(name)) frontier.push(name);
    return op;
  });
  return new TailModel(ops, frontier, output, layers);
}
