/** MACs to reach each early exit at a concrete input size: weighted layers the exit and every earlier exit depend on. */
import type { Engine } from '../engine';
import type { Graph, Node } from '../ir/graph';
import { foldBatchNorms } from '../passes/batchnorm-folding';
import { foldConstants } from '../passes/constant-folding';
import { foldConvAffine } from '../passes/conv-affine-folding';
import { specialize } from '../passes/shape-inference';
import { layerMacs } from '../summary/model-summary';

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Names of the nodes `value` is computed from (itself included when a node writes it). */
function ancestors(value: string, producers: Map<string, Node>, seen: Set<Node>): void {
  const stack = [value];
  while (stack.length) {
    const node = producers.get(stack.pop() as string);
    if (!node || seen.has(node)) continue;
    seen.add(node);
    for (const input of node.inputs) if (input) stack.push(input);
  }
}

/**
 * Cumulative MACs of one batch-1 run that stops after exit k (k = 0..exits.length-1): every weighted layer that exit
 * k or an earlier exit depends on, counted once, since the executor computes the earlier exits on the way.
 * `inputShapes` gives the batch-1 shape of every model input (symbolic dims resolved).
 */
export function exitMacs(source: Graph, exits: readonly string[], inputShapes: Map<string, number[]>): number[] {
  foldConstants(source);
  const g = specialize(foldConvAffine(foldBatchNorms(source)), inputShapes);
  const shapes = new Map<string, number[]>();
  for (const [name, v] of g.valueInfo) shapes.set(name, v.shape as number[]);
  for (const [name, t] of g.initializers) shapes.set(name, t.dims);
  const producers = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producers.set(o, n);
  const needed = new Set<Node>();
  let macs = 0;
  return exits.map((exit) => {
    const before = new Set(needed);
    ancestors(exit, producers, needed);
    for (const node of needed) {
      if (before.has(node) || !WEIGHTED.has(node.opType) || node.domain !== '') continue;
      const x = shapes.get(node.inputs[0]);
      const w = shapes.get(node.inputs[1]);
      const y = shapes.get(node.outputs[0]);
      if (x && w && y) macs += layerMacs(node, x, w, y);
    }
    return macs;
  });
}

/** exitMacs for an engine's model with its first input at batch 1 and `sampleDims` (e.g. [1, 28, 28]). */
export function engineExitMacs(engine: Engine, exits: readonly string[], sampleDims: readonly number[]): number[] {
  const shapes = new Map<string, number[]>();
  engine.inputs.forEach((input, k) => {
    if (k === 0) shapes.set(input.name, [1, ...sampleDims]);
    else shapes.set(input.name, input.shape.map((d) => (typeof d === 'number' ? d : 1)));
  });
  return exitMacs(engine.sourceGraph(), exits, shapes);
}
