/** Fuses `Add(Conv|Gemm|MatMul(...), other)` into the producer as its residual input (index 3), so the sum happens in the epilogue. */
import type { Dim, Graph } from '../ir/graph';
import { FusionContext, hasEpilogue } from './fusion-context';

/** True unless both shapes are known and differ (the plan compiler re-checks with concrete shapes and un-fuses if needed). */
function mayBeSameShape(g: Graph, a: string, b: string): boolean {
  const shapeOf = (name: string): Dim[] | undefined =>
    g.valueInfo.get(name)?.shape ?? g.inputs.find((i) => i.name === name)?.shape ?? g.initializers.get(name)?.dims;
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (!sa || !sb) return true;
  if (sa.length !== sb.length) return false;
  return sa.every((d, i) => d === null || sb[i] === null || d === sb[i] || typeof d !== typeof sb[i]);
}

/** Mutates and returns `g`. */
export function fuseResiduals(g: Graph): Graph {
  const ctx = new FusionContext(g);
  const index = new Map(g.nodes.map((n, i) => [n, i]));
  for (const add of g.nodes.slice()) {
    if (add.domain !== '' || add.opType !== 'Add' || add.inputs.length !== 2 || ctx.removed.has(add)) continue;
    // Prefer the operand whose producer comes last: the earlier one is then surely ready as the residual.
    const candidates = [0, 1]
      .map((side) => ({ side, producer: ctx.producerOf(add.inputs[side], ['Conv', 'Gemm', 'MatMul']) }))
      .filter((c) => c.producer && !hasEpilogue(c.producer) && ctx.isPrivate(add.inputs[c.side]))
      .sort((a, b) => (index.get(b.producer!) ?? 0) - (index.get(a.producer!) ?? 0));
    for (const { side, producer } of candidates) {
      const other = add.inputs[1 - side];
      if (!other || ctx.constant(other) || other === add.inputs[side]) continue;
      if (!mayBeSameShape(g, add.inputs[side], other)) continue;
      const p = producer!;
      while (p.inputs.length < 3) p.inputs.push('');
      p.inputs = [...p.inputs.slice(0, 3), other];
      p.outputs = [add.outputs[0], ...p.outputs.slice(1)];
      p.name = `${p.name}+${add.name}`;
      // The fused node moves to the Add's place: `other` may be computed after the producer's old place.
      g.nodes.splice(g.nodes.indexOf(p), 1);
      g.nodes.splice(g.nodes.indexOf(add), 0, p);
      ctx.remove(add);
      break;
    }
  }
  ctx.commit();
  return g;
}
