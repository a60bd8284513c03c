/** Fuses `Add(MatMul(A, B), const[N])` into MatMul's bias input (index 2). */
import type { Graph } from '../ir/graph';
import { FusionContext, hasEpilogue } from './fusion-context';

/** Mutates and returns `g`. */
export function fuseMatMulBias(g: Graph): Graph {
  const ctx = new FusionContext(g);
  for (const add of g.nodes) {
    if (add.domain !== '' || add.opType !== 'Add' || add.inputs.length !== 2 || ctx.removed.has(add)) continue;
    for (const side of [0, 1]) {
      const mm = ctx.producerOf(add.inputs[side], ['MatMul']);
      if (!mm || hasEpilogue(mm) || (mm.inputs[2] ?? '') !== '' || !ctx.isPrivate(add.inputs[side])) continue;
      const bias = ctx.constant(add.inputs[1 - side]);
      const b = ctx.constant(mm.inputs[1]);
      if (!bias || bias.type !== 'float32' || !b || b.dims.length < 2) continue;
      const n = b.dims[b.dims.length - 1];
      const aRank = g.valueInfo.get(mm.inputs[0])?.shape.length ?? g.inputs.find((i) => i.name === mm.inputs[0])?.shape.length;
      // The bias must broadcast along the last axis only, and must not add leading axes to the product.
      if (bias.data.length !== n || bias.dims.slice(0, -1).some((d) => d !== 1)) continue;
      if (bias.dims.length > 1 && (aRank === undefined || bias.dims.length > Math.max(aRank, b.dims.length))) continue;
      let biasName = add.inputs[1 - side];
      if (bias.dims.length !== 1 || !g.initializers.has(biasName)) {
        biasName = ctx.freshName(`${mm.name}_bias`);
        g.initializers.set(biasName, { type: 'float32', dims: [n], data: bias.data });
      }
      mm.inputs = [mm.inputs[0], mm.inputs[1], biasName];
      mm.outputs = [add.outputs[0]];
      mm.name = `${mm.name}+${add.name}`;
      ctx.remove(add);
      break;
    }
  }
  ctx.commit();
  return g;
}
