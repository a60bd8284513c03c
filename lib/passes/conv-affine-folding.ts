/** Folds a per-channel (or scalar) constant Mul / Add right after a Conv into its weights and bias, as exporters leave behind for frozen BN and scaling. */
import type { Graph, Node } from '../ir/graph';
import { FusionContext, floatData, hasEpilogue } from './fusion-context';

/** The per-output-channel values of a constant that broadcasts along channel axis 1 of a rank-`rank` Conv output, else undefined. */
function perChannel(ctx: FusionContext, name: string, m: number, rank: number): Float32Array | undefined {
  const t = ctx.constant(name);
  if (!t) return undefined;
  const data = floatData(t);
  if (!data) return undefined;
  if (data.length === 1 && t.dims.length <= rank) return new Float32Array(m).fill(data[0]);
  if (data.length !== m) return undefined;
  // Shape must be [M, 1, ...] or [1, M, 1, ...] with the trailing ones covering every spatial axis.
  const dims = t.dims.slice();
  while (dims.length < rank) dims.unshift(1);
  if (dims.length !== rank || dims[1] !== m || dims.some((d, i) => i !== 1 && d !== 1)) return undefined;
  return data;
}

/** Mutates and returns `g`. */
export function foldConvAffine(g: Graph): Graph {
  const ctx = new FusionContext(g);
  for (const conv of g.nodes) {
    if (conv.opType !== 'Conv' || conv.domain !== '' || ctx.removed.has(conv) || hasEpilogue(conv)) continue;
    // Follow a chain Conv → Mul/Add(const) → Mul/Add(const) ...
    for (;;) {
      const y = conv.outputs[0];
      const next: Node | undefined = ctx.soleConsumer(y, ['Mul', 'Add']);
      if (!next || next.inputs.length !== 2) break;
      const w = ctx.constant(conv.inputs[1]);
      if (!w || w.dims.length < 3) break;
      const m = w.dims[0];
      const other = next.inputs[0] === y ? next.inputs[1] : next.inputs[0];
      const values = perChannel(ctx, other, m, w.dims.length);
      if (!values) break;
      const wData = floatData(w);
      const biasName = conv.inputs[2] ?? '';
      const bias = biasName ? ctx.constant(biasName) : undefined;
      if (!wData || (biasName && !bias)) break;
      const b = bias ? floatData(bias) : new Float32Array(m);
      if (!b || b.length !== m) break;
      if (next.opType === 'Mul') {
        const per = (wData.length / m) | 0; // integer stride keeps the index a small integer
        for (let o = 0; o < m; o++) {
          for (let i = 0; i < per; i++) wData[o * per + i] *= values[o];
          b[o] *= values[o];
        }
      } else {
        for (let o = 0; o < m; o++) b[o] += values[o];
      }
      const wName = ctx.freshName(`${conv.inputs[1]}_${next.opType.toLowerCase()}`);
      const bName = ctx.freshName(`${conv.name}_bias_${next.opType.toLowerCase()}`);
      g.initializers.set(wName, { type: 'float32', dims: w.dims.slice(), data: wData });
      g.initializers.set(bName, { type: 'float32', dims: [m], data: b });
      conv.inputs = [conv.inputs[0], wName, bName, ...conv.inputs.slice(3)];
      conv.outputs = [next.outputs[0]];
      ctx.remove(next);
      ctx.add(conv);
    }
  }
  ctx.commit();
  return g;
}
