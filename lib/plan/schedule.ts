/** Op order for models with several outputs: each output's ops run as soon as they can, smallest first, so an early exit really skips the rest. */
import type { LoweredGraph } from './lowered-graph';

/**
 * Reorders `g.ops` (a valid topological order) so that the ops an output needs run right after the ops it shares
 * with cheaper outputs: outputs are taken by how many ops they need (fewest first, ties in output order) and each
 * output's not yet scheduled ops are appended in their original order. With exits `exit1` (backbone stage 1 + head),
 * `exit2`, `logits`, the exit1 head runs before stage 2 starts. Ops no output needs keep their place at the end.
 * Any topological order is valid for the memory plan, which derives lifetimes from the order it is given.
 */
export function scheduleOutputsEarly(g: LoweredGraph): LoweredGraph {
  if (g.outputs.length < 2) return g;
  const producer = new Map<string, number>();
  g.ops.forEach((op, i) => op.outputs.forEach((t) => t && producer.set(t, i)));
  const coneOf = (output: string): Set<number> => {
    const cone = new Set<number>();
    const stack = [output];
    while (stack.length) {
      const k = producer.get(stack.pop()!);
      if (k === undefined || cone.has(k)) continue;
      cone.add(k);
      for (const t of g.ops[k].inputs) if (t) stack.push(t);
    }
    return cone;
  };
  const cones = g.outputs.map((name, i) => ({ cone: coneOf(name), i }));
  cones.sort((a, b) => a.cone.size - b.cone.size || a.i - b.i);
  const order: number[] = [];
  const placed = new Set<number>();
  const take = (k: number) => {
    if (placed.has(k)) return;
    placed.add(k);
    order.push(k);
  };
  for (const { cone } of cones) [...cone].sort((a, b) => a - b).forEach(take);
  g.ops.forEach((_, k) => take(k));
  if (order.every((k, i) => k === i)) return g;
  return { ...g, ops: order.map((k) => g.ops[k]) };
}
