/**
 * Decides where a (BN-folded) graph gets quantized: which nodes run on int8 inputs, which tensors get a
 * QuantizeLinear (calibrated, or sharing their input's parameters through data movement and MaxPool), and which
 * activations fold into the op before them (Relu / Clip after Conv, Gemm, MatMul, Add), as onnxruntime and sparq's
 * QDQ lowering both expect.
 */
import type { Graph, Node } from '../ir/graph';
import { FusionContext, attrNumber } from '../passes/fusion-context';

/** How a node takes part in int8 execution. */
export type NodeRole =
  /** Conv / Gemm / MatMul with constant weights: int8 weights, int32 bias, quantized input and output. */
  | 'weighted'
  /** Computes a new range: Add, Mul, AveragePool, GlobalAveragePool, Concat, standalone activations. */
  | 'compute'
  /** Moves or selects values without changing them: output shares the input's parameters. */
  | 'shared';

/** A Conv / Gemm / MatMul with constant float weights. */
export interface WeightedLayer {
  node: Node;
  /** Axis of the output channels in the weight tensor. */
  axis: number;
  /** Output channel count. */
  channels: number;
}

export interface QuantizationPlan {
  /** Nodes that read int8 tensors (each through its own DequantizeLinear), by node name. */
  roles: Map<string, NodeRole>;
  weighted: Map<string, WeightedLayer>;
  /** Activations folded into the producer before them (their input is never quantized), by node name. */
  absorbed: Set<string>;
  /** Tensors that get a QuantizeLinear: value name → undefined (calibrated) or the value whose parameters it shares. */
  tensors: Map<string, string | undefined>;
}

const COMPUTE = new Set(['Add', 'Mul', 'AveragePool', 'GlobalAveragePool', 'Concat']);
const UNARY = new Set(['Relu', 'Clip', 'HardSwish', 'HardSigmoid', 'Sigmoid', 'LeakyRelu', 'Tanh']);
const SHARED = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze']);
/** Activations onnxruntime removes before a QuantizeLinear whose range they do not cut (and sparq fuses into QConv). */
const FOLDABLE = new Set(['Relu', 'Clip']);

/** Which inputs of a node carry activations to quantize (the rest are shapes, axes, bounds or weights). */
export function activationInputs(node: Node, role: NodeRole): number[] {
  if (role === 'weighted' || role === 'shared' || !['Add', 'Mul', 'Concat'].includes(node.opType)) return [0];
  return node.inputs.map((_, i) => i);
}

function isFloatConstant(ctx: FusionContext, name: string, rank?: number): boolean {
  const t = ctx.constant(name);
  return !!t && t.type === 'float32' && (rank === undefined || t.dims.length === rank);
}

/** The weighted-layer description of a node, or undefined when it does not qualify. */
function weightedLayer(ctx: FusionContext, node: Node): WeightedLayer | undefined {
  if (node.domain !== '') return undefined;
  const w = ctx.constant(node.inputs[1] ?? '');
  if (!w || w.type !== 'float32') return undefined;
  const bias = node.inputs[2] ?? '';
  if (bias && !isFloatConstant(ctx, bias, 1)) return undefined;
  if (ctx.constant(node.inputs[0])) return undefined;
  switch (node.opType) {
    case 'Conv':
      if (w.dims.length < 3) return undefined;
      return { node, axis: 0, channels: w.dims[0] };
    case 'Gemm': {
      if (w.dims.length !== 2 || attrNumber(node, 'transA', 0) !== 0) return undefined;
      if (attrNumber(node, 'alpha', 1) !== 1 || attrNumber(node, 'beta', 1) !== 1) return undefined;
      const axis = attrNumber(node, 'transB', 0) === 1 ? 0 : 1;
      if (bias && ctx.constant(bias)!.dims[0] !== w.dims[axis]) return undefined;
      return { node, axis, channels: w.dims[axis] };
    }
    case 'MatMul':
      if (w.dims.length !== 2 || node.inputs.length !== 2) return undefined;
      return { node, axis: 1, channels: w.dims[1] };
    default:
      return undefined;
  }
}

/** Clip bounds must be constants (or absent) for Clip to be quantized; the native lookup table needs them fixed. */
function constantBounds(ctx: FusionContext, node: Node): boolean {
  return node.opType !== 'Clip' || node.inputs.slice(1).every((b) => b === '' || ctx.scalar(b) !== undefined);
}

function roleOf(ctx: FusionContext, node: Node): NodeRole | undefined {
  if (node.domain !== '') return undefined;
  if (weightedLayer(ctx, node)) return 'weighted';
  const activations = activationInputs(node, COMPUTE.has(node.opType) ? 'compute' : 'shared');
  if (activations.some((i) => !node.inputs[i] || ctx.constant(node.inputs[i]))) return undefined;
  if (COMPUTE.has(node.opType)) return 'compute';
  if (UNARY.has(node.opType) && constantBounds(ctx, node)) return 'compute';
  if (SHARED.has(node.opType)) return 'shared';
  return undefined;
}

/** The Relu / Clip right after a weighted node or Add that folds into it, if any. */
function foldableActivation(ctx: FusionContext, node: Node, role: NodeRole | undefined): Node | undefined {
  if (role !== 'weighted' && node.opType !== 'Add') return undefined;
  const act = ctx.soleConsumer(node.outputs[0]);
  return act && FOLDABLE.has(act.opType) && act.domain === '' && constantBounds(ctx, act) ? act : undefined;
}

/**
 * @param excluded node names and op types that stay fp32 (their inputs are dequantized, their outputs not quantized
 *   unless another int8 op reads them). An excluded layer takes the activation folded into it along.
 * @param only when given, only these nodes (by name; with their folded activations) are quantized.
 */
export function planQuantization(g: Graph, excluded: ReadonlySet<string>, only?: ReadonlySet<string>): QuantizationPlan {
  const ctx = new FusionContext(g);
  const roles = new Map<string, NodeRole>();
  const weighted = new Map<string, WeightedLayer>();
  const absorbed = new Set<string>();
  const tensors = new Map<string, string | undefined>();
  const skipped = new Set<string>();
  const isExcluded = (n: Node) => excluded.has(n.name) || excluded.has(n.opType) || (only !== undefined && !only.has(n.name));
  const quantizable = (value: string) => value !== '' && !ctx.graphOutputs.has(value) && !ctx.constant(value);

  // Compute and weighted nodes: inputs and (after any folded activation) outputs are quantized.
  for (const node of g.nodes) {
    if (skipped.has(node.name) || absorbed.has(node.name)) continue;
    const role = roleOf(ctx, node);
    const act = foldableActivation(ctx, node, role);
    if (isExcluded(node)) {
      if (act) skipped.add(act.name);
      continue;
    }
    if (!role || role === 'shared') continue;
    roles.set(node.name, role);
    const layer = role === 'weighted' ? weightedLayer(ctx, node) : undefined;
    if (layer) weighted.set(node.name, layer);
    for (const i of activationInputs(node, role)) if (quantizable(node.inputs[i])) tensors.set(node.inputs[i], undefined);
    let out = node.outputs[0];
    if (act && !excluded.has(act.name) && !excluded.has(act.opType)) {
      absorbed.add(act.name);
      out = act.outputs[0];
    }
    if (quantizable(out)) tensors.set(out, undefined);
  }
  // Data movement and MaxPool keep int8 flowing when their input is int8; their output reuses its parameters.
  for (const node of g.nodes) {
    if (isExcluded(node) || roleOf(ctx, node) !== 'shared') continue;
    const input = node.inputs[0];
    if (!tensors.has(input)) continue;
    roles.set(node.name, 'shared');
    const out = node.outputs[0];
    if (quantizable(out)) tensors.set(out, input);
  }
  return { roles, weighted, absorbed, tensors };
}

/** Nodes that can be kept in fp32 one by one (weighted and compute nodes; folded activations go with their layer). */
export function quantizedLayers(plan: QuantizationPlan): string[] {
  return [...plan.roles].filter(([, role]) => role !== 'shared').map(([name]) => name);
}

/** The value whose calibrated parameters `name` uses (itself unless it shares through data movement). */
export function parameterSource(plan: QuantizationPlan, name: string): string {
  let current = name;
  for (let from = plan.tensors.get(current); from !== undefined; from = plan.tensors.get(current)) current = from;
  return current;
}
