/** Fuses an activation that follows Conv / ConvTranspose / Gemm / MatMul into that node's epilogue (attrs `activation`, `activation_alpha`, `activation_beta`). */
import type { Graph, Node } from '../ir/graph';
import { FusionContext, attrNumber, attrString } from './fusion-context';

export const FUSABLE_PRODUCERS = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'];

const FLOAT_MAX = 3.4028234663852886e38;

/** The native activation name and parameters of an activation node, or undefined when it cannot be fused. */
export function activationOf(ctx: FusionContext, node: Node): { name: string; alpha?: number; beta?: number } | undefined {
  if (node.domain === 'sparq' && node.opType === 'Silu') return { name: 'silu' };
  if (node.domain !== '') return undefined;
  switch (node.opType) {
    case 'Relu':
      return { name: 'relu' };
    case 'Sigmoid':
      return { name: 'sigmoid' };
    case 'Tanh':
      return { name: 'tanh' };
    case 'HardSwish':
      return { name: 'hard_swish' };
    case 'LeakyRelu':
      return { name: 'leaky_relu', alpha: attrNumber(node, 'alpha', 0.01) };
    case 'HardSigmoid':
      return { name: 'hard_sigmoid', alpha: attrNumber(node, 'alpha', 0.2), beta: attrNumber(node, 'beta', 0.5) };
    case 'Gelu':
      return attrString(node, 'approximate', 'none') === 'none' ? { name: 'gelu' } : undefined;
    case 'Clip': {
      let min = attrNumber(node, 'min', -FLOAT_MAX);
      let max = attrNumber(node, 'max', FLOAT_MAX);
      if (node.inputs[1]) {
        const v = ctx.scalar(node.inputs[1]);
        if (v === undefined) return undefined;
        min = v;
      }
      if (node.inputs[2]) {
        const v = ctx.scalar(node.inputs[2]);
        if (v === undefined) return undefined;
        max = v;
      }
      if (min === 0 && max >= FLOAT_MAX) return { name: 'relu' };
      return { name: 'clip', alpha: Math.max(min, -FLOAT_MAX), beta: Math.min(max, FLOAT_MAX) };
    }
    default:
      return undefined;
  }
}

/** Mutates and returns `g`. */
export function fuseActivations(g: Graph): Graph {
  const ctx = new FusionContext(g);
  for (const producer of g.nodes) {
    if (producer.domain !== '' || !FUSABLE_PRODUCERS.includes(producer.opType) || ctx.removed.has(producer)) continue;
    if (attrString(producer, 'activation', 'none') !== 'none') continue;
    const out = producer.outputs[0];
    if (!ctx.isPrivate(out)) continue;
    const act = ctx.consumersOf(out)[0];
    if (act.inputs[0] !== out) continue;
    const params = activationOf(ctx, act);
    if (!params) continue;
    producer.attrs = { ...producer.attrs, activation: { kind: 'string', value: params.name } };
    if (params.alpha !== undefined) producer.attrs.activation_alpha = { kind: 'float', value: params.alpha };
    if (params.beta !== undefined) producer.attrs.activation_beta = { kind: 'float', value: params.beta };
    producer.outputs = [act.outputs[0], ...producer.outputs.slice(1)];
    producer.name = `${producer.name}+${act.name}`;
    ctx.remove(act);
  }
  ctx.commit();
  return g;
}
