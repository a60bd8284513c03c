/** Fuses `Add(Conv|Gemm|MatMul(...), other)` into the producer as its residual input (index 3), so the sum happens in the epilogue. */
import type { Dim, Graph, Node } from '../ir/graph';
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

/** The standalone IR node computing a fused activation (inverse of lib/passes/activation-fusion.ts). */
function activationNode(node: Node, input: string, output: string): Node {
  const act = node.attrs.activation?.kind === 'string' ? node.attrs.activation.value : 'none';
  const alpha = node.attrs.activation_alpha?.kind === 'float' ? node.attrs.activation_alpha.value : undefined;
  const beta = node.attrs.activation_beta?.kind === 'float' ? node.attrs.activation_beta.value : undefined;
  const f = (value: number) => ({ kind: 'float' as const, value });
  const make = (opType: string, attrs: Node['attrs'] = {}, domain = ''): Node => ({ name: `${node.name}/${opType}`, opType, domain, inputs: [input], outputs: [output], attrs });
  switch (act) {
    case 'relu': return make('Relu');
    case 'clip': return make('Clip', { ...(alpha !== undefined ? { min: f(alpha) } : {}), ...(beta !== undefined ? { max: f(beta) } : {}) });
    case 'leaky_relu': return make('LeakyRelu', alpha !== undefined ? { alpha: f(alpha) } : {});
    case 'sigmoid': return make('Sigmoid');
    case 'hard_sigmoid': return make('HardSigmoid', { ...(alpha !== undefined ? { alpha: f(alpha) } : {}), ...(beta !== undefined ? { beta: f(beta) } : {}) });
    case 'hard_swish': return make('HardSwish');
    case 'silu': return make('Silu', {}, 'sparq');
    case 'tanh': return make('Tanh');
    case 'gelu': return make('Gelu');
    default: throw new Error(`unknown fused activation '${act}' on node '${node.name}'`);
  }
}

/**
 * Undoes residual fusion: `Op(…, R; act)` → `act(Add(Op(…), R))` as separate nodes. The plan compiler splits before
 * shape specialization and fuses again once shapes are concrete, so a residual that would broadcast never reaches
 * the epilogue (which cannot broadcast). Mutates and returns `g`.
 */
export function splitResiduals(g: Graph): Graph {
  const nodes: Node[] = [];
  let counter = 0;
  const taken = new Set<string>();
  for (const n of g.nodes) for (const o of n.outputs) taken.add(o);
  const fresh = (base: string) => {
    let name = `${base}/pre_residual`;
    while (taken.has(name)) name = `${base}/pre_residual_${++counter}`;
    taken.add(name);
    return name;
  };
  for (const node of g.nodes) {
    const residual = node.inputs[3] ?? '';
    if (node.domain !== '' || !residual || !['Conv', 'Gemm', 'MatMul'].includes(node.opType)) {
      nodes.push(node);
      continue;
    }
    const y = node.outputs[0];
    const act = node.attrs.activation?.kind === 'string' ? node.attrs.activation.value : 'none';
    const plain = fresh(y);
    const attrs = { ...node.attrs };
    delete attrs.activation;
    delete attrs.activation_alpha;
    delete attrs.activation_beta;
    nodes.push({ ...node, inputs: node.inputs.slice(0, 3), outputs: [plain], attrs });
    if (act === 'none') {
      nodes.push({ name: `${node.name}/Add`, opType: 'Add', domain: '', inputs: [plain, residual], outputs: [y], attrs: {} });
    } else {
      const sum = fresh(`${y}/sum`);
      nodes.push({ name: `${node.name}/Add`, opType: 'Add', domain: '', inputs: [plain, residual], outputs: [sum], attrs: {} });
      nodes.push(activationNode(node, sum, y));
    }
  }
  g.nodes = nodes;
  return g;
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
