/** Rewrites exporters' multi-node spellings of HardSwish, SiLU and Gelu (erf and tanh forms) into one node each, so they run (and fuse) as one activation. */
import type { Graph, Node } from '../ir/graph';
import { FusionContext, attrNumber } from './fusion-context';

const near = (a: number | undefined, b: number, tol = 1e-5) => a !== undefined && Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** The non-`value` input of a binary node (either order), or undefined. */
function otherInput(node: Node, value: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === value) return node.inputs[1];
  if (node.inputs[1] === value) return node.inputs[0];
  return undefined;
}

/** Constant min/max of a Clip (attributes before opset 11, inputs after). */
function clipBounds(ctx: FusionContext, clip: Node): { min: number; max: number } | undefined {
  let min = attrNumber(clip, 'min', -Infinity);
  let max = attrNumber(clip, 'max', Infinity);
  if (clip.inputs[1]) {
    const v = ctx.scalar(clip.inputs[1]);
    if (v === undefined) return undefined;
    min = v;
  }
  if (clip.inputs[2]) {
    const v = ctx.scalar(clip.inputs[2]);
    if (v === undefined) return undefined;
    max = v;
  }
  return { min, max };
}

/** When `value` = Clip(x + 3, 0, 6) with private intermediates, returns x and the nodes making it. */
function matchRelu6OfXPlus3(ctx: FusionContext, value: string): { x: string; nodes: Node[] } | undefined {
  const clip = ctx.producerOf(value, ['Clip']);
  if (!clip) return undefined;
  const b = clipBounds(ctx, clip);
  if (!b || b.min !== 0 || b.max !== 6) return undefined;
  const add = ctx.producerOf(clip.inputs[0], ['Add']);
  if (!add || !ctx.isPrivate(clip.inputs[0])) return undefined;
  const [a0, a1] = add.inputs;
  let x: string | undefined;
  if (near(ctx.scalar(a1), 3)) x = a0;
  else if (near(ctx.scalar(a0), 3)) x = a1;
  if (!x) return undefined;
  return { x, nodes: [add, clip] };
}

/** A node dividing by 6 or multiplying by 1/6: returns the other operand. */
function dividedBySix(ctx: FusionContext, node: Node): string | undefined {
  if (node.opType === 'Div' && near(ctx.scalar(node.inputs[1]), 6)) return node.inputs[0];
  if (node.opType === 'Mul') {
    if (near(ctx.scalar(node.inputs[1]), 1 / 6)) return node.inputs[0];
    if (near(ctx.scalar(node.inputs[0]), 1 / 6)) return node.inputs[1];
  }
  return undefined;
}

function replaceWith(ctx: FusionContext, matched: Node[], root: Node, node: Node): void {
  for (const n of matched) ctx.remove(n);
  ctx.add(node);
  // The new node takes the root's place in the order: every input it reads is produced before the root.
  const index = ctx.graph.nodes.indexOf(root);
  ctx.graph.nodes.splice(index, 0, node);
}

/** Matches HardSwish written as x*Clip(x+3,0,6)/6 (any grouping), x*HardSigmoid(x) with alpha 1/6. */
function matchHardSwish(ctx: FusionContext, root: Node): { x: string; nodes: Node[] } | undefined {
  if (root.opType !== 'Mul' && root.opType !== 'Div') return undefined;
  // (x * relu6(x+3)) / 6  or  (x * relu6(x+3)) * (1/6)
  const scaled = dividedBySix(ctx, root);
  if (scaled !== undefined && ctx.isPrivate(scaled)) {
    const mul = ctx.producerOf(scaled, ['Mul']);
    if (mul) {
      for (const side of [0, 1]) {
        const r = matchRelu6OfXPlus3(ctx, mul.inputs[side]);
        if (r && mul.inputs[1 - side] === r.x && ctx.isPrivate(mul.inputs[side])) return { x: r.x, nodes: [...r.nodes, mul, root] };
      }
    }
  }
  if (root.opType !== 'Mul') return undefined;
  for (const side of [0, 1]) {
    const x = root.inputs[1 - side];
    const v = root.inputs[side];
    if (!ctx.isPrivate(v)) continue;
    // x * (relu6(x+3) / 6)
    const div = ctx.producer.get(v);
    if (div && !ctx.removed.has(div) && (div.opType === 'Div' || div.opType === 'Mul')) {
      const inner = dividedBySix(ctx, div);
      if (inner !== undefined && ctx.isPrivate(inner)) {
        const r = matchRelu6OfXPlus3(ctx, inner);
        if (r && r.x === x) return { x, nodes: [...r.nodes, div, root] };
      }
    }
    // x * HardSigmoid(x; alpha=1/6, beta=0.5)
    const hs = ctx.producerOf(v, ['HardSigmoid']);
    if (hs && hs.inputs[0] === x && near(attrNumber(hs, 'alpha', 0.2), 1 / 6) && near(attrNumber(hs, 'beta', 0.5), 0.5)) {
      return { x, nodes: [hs, root] };
    }
  }
  return undefined;
}

/** Matches x * Sigmoid(x). */
function matchSilu(ctx: FusionContext, root: Node): { x: string; nodes: Node[] } | undefined {
  if (root.opType !== 'Mul') return undefined;
  for (const side of [0, 1]) {
    const sig = ctx.producerOf(root.inputs[side], ['Sigmoid']);
    if (sig && sig.inputs[0] === root.inputs[1 - side] && ctx.isPrivate(root.inputs[side])) {
      return { x: sig.inputs[0], nodes: [sig, root] };
    }
  }
  return undefined;
}

/** Matches 0.5 * x * (1 + Erf(x / sqrt2)) in the groupings PyTorch and TF exporters emit; root is the last Mul. */
function matchGelu(ctx: FusionContext, root: Node): { x: string; nodes: Node[] } | undefined {
  if (root.opType !== 'Mul') return undefined;
  // Find the `1 + erf(...)` operand of some Mul on the path.
  const erfPart = (value: string): { x: string; nodes: Node[] } | undefined => {
    if (!ctx.isPrivate(value)) return undefined;
    const add = ctx.producerOf(value, ['Add']);
    if (!add) return undefined;
    let erfOut: string | undefined;
    if (near(ctx.scalar(add.inputs[1]), 1)) erfOut = add.inputs[0];
    else if (near(ctx.scalar(add.inputs[0]), 1)) erfOut = add.inputs[1];
    if (!erfOut || !ctx.isPrivate(erfOut)) return undefined;
    const erf = ctx.producerOf(erfOut, ['Erf']);
    if (!erf || !ctx.isPrivate(erf.inputs[0])) return undefined;
    const scale = ctx.producerOf(erf.inputs[0], ['Div', 'Mul']);
    if (!scale) return undefined;
    let x: string | undefined;
    if (scale.opType === 'Div' && near(ctx.scalar(scale.inputs[1]), Math.SQRT2, 1e-4)) x = scale.inputs[0];
    if (scale.opType === 'Mul') {
      if (near(ctx.scalar(scale.inputs[1]), Math.SQRT1_2, 1e-4)) x = scale.inputs[0];
      else if (near(ctx.scalar(scale.inputs[0]), Math.SQRT1_2, 1e-4)) x = scale.inputs[1];
    }
    return x ? { x, nodes: [scale, erf, add] } : undefined;
  };
  // 1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)), x^3 as Pow(x, 3) or x*x*x in either grouping.
  const cubeOf = (value: string): { x: string; nodes: Node[] } | undefined => {
    if (!ctx.isPrivate(value)) return undefined;
    const pow = ctx.producerOf(value, ['Pow']);
    if (pow) return near(ctx.scalar(pow.inputs[1]), 3) ? { x: pow.inputs[0], nodes: [pow] } : undefined;
    const outer = ctx.producerOf(value, ['Mul']);
    if (!outer) return undefined;
    for (const side of [0, 1]) {
      const sq = ctx.producerOf(outer.inputs[side], ['Mul']);
      const x = outer.inputs[1 - side];
      if (sq && sq.inputs[0] === x && sq.inputs[1] === x && ctx.isPrivate(outer.inputs[side])) return { x, nodes: [sq, outer] };
    }
    return undefined;
  };
  const scaledBy = (value: string, c: number): { other: string; node: Node } | undefined => {
    const mul = ctx.producerOf(value, ['Mul']);
    if (!mul || !ctx.isPrivate(value)) return undefined;
    if (near(ctx.scalar(mul.inputs[1]), c, 1e-4)) return { other: mul.inputs[0], node: mul };
    if (near(ctx.scalar(mul.inputs[0]), c, 1e-4)) return { other: mul.inputs[1], node: mul };
    return undefined;
  };
  const tanhPart = (value: string): { x: string; nodes: Node[] } | undefined => {
    if (!ctx.isPrivate(value)) return undefined;
    const add = ctx.producerOf(value, ['Add']);
    if (!add) return undefined;
    const tanhOut = near(ctx.scalar(add.inputs[1]), 1) ? add.inputs[0] : near(ctx.scalar(add.inputs[0]), 1) ? add.inputs[1] : undefined;
    if (!tanhOut || !ctx.isPrivate(tanhOut)) return undefined;
    const tanh = ctx.producerOf(tanhOut, ['Tanh']);
    if (!tanh) return undefined;
    const outer = scaledBy(tanh.inputs[0], Math.sqrt(2 / Math.PI));
    if (!outer) return undefined;
    const sum = ctx.producerOf(outer.other, ['Add']);
    if (!sum || !ctx.isPrivate(outer.other)) return undefined;
    for (const side of [0, 1]) {
      const x = sum.inputs[1 - side];
      const cubic = scaledBy(sum.inputs[side], 0.044715);
      const cube = cubic && cubeOf(cubic.other);
      if (cube && cube.x === x) return { x, nodes: [...cube.nodes, cubic!.node, sum, outer.node, tanh, add] };
    }
    return undefined;
  };
  const halfOf = (value: string): string | undefined => {
    const mul = ctx.producerOf(value, ['Mul']);
    if (!mul) return undefined;
    if (near(ctx.scalar(mul.inputs[1]), 0.5)) return mul.inputs[0];
    if (near(ctx.scalar(mul.inputs[0]), 0.5)) return mul.inputs[1];
    return undefined;
  };
  for (const side of [0, 1]) {
    const a = root.inputs[side];
    const b = root.inputs[1 - side];
    // root = (x * 0.5) * (1 + erf)   or   root = x * (1 + erf) ... with 0.5 elsewhere
    const e = erfPart(a) ?? tanhPart(a);
    if (e) {
      if (b === e.x) continue; // needs the 0.5 outside: handled below with root = 0.5 * (x * (1+erf))
      const half = halfOf(b);
      if (half === e.x && ctx.isPrivate(b)) return { x: e.x, nodes: [...e.nodes, ctx.producer.get(b) as Node, root] };
    }
    // root = (x * (1 + erf)) * 0.5
    if (near(ctx.scalar(b), 0.5) && ctx.isPrivate(a)) {
      const inner = ctx.producerOf(a, ['Mul']);
      if (!inner) continue;
      for (const s of [0, 1]) {
        const e2 = erfPart(inner.inputs[s]) ?? tanhPart(inner.inputs[s]);
        if (e2 && inner.inputs[1 - s] === e2.x) return { x: e2.x, nodes: [...e2.nodes, inner, root] };
        // (x * 0.5 ... ) forms are covered above
      }
    }
  }
  return undefined;
}

/** Rewrites the patterns in place; the replacement node keeps the pattern's output name. Mutates and returns `g`. */
export function canonicalizeActivations(g: Graph): Graph {
  const ctx = new FusionContext(g);
  const roots = g.nodes.slice();
  for (const root of roots) {
    if (ctx.removed.has(root) || root.domain !== '') continue;
    const out = root.outputs[0];
    let m = matchHardSwish(ctx, root);
    if (m) {
      replaceWith(ctx, m.nodes, root, { name: `${root.name}_hardswish`, opType: 'HardSwish', domain: '', inputs: [m.x], outputs: [out], attrs: {} });
      continue;
    }
    m = matchGelu(ctx, root);
    if (m) {
      // The tanh approximation stays a standalone Gelu(approximate='tanh'): the fused epilogue only has the erf form.
      const tanh = m.nodes.some((n) => n.opType === 'Tanh');
      const attrs: Node['attrs'] = tanh ? { approximate: { kind: 'string', value: 'tanh' } } : {};
      replaceWith(ctx, m.nodes, root, { name: `${root.name}_gelu`, opType: 'Gelu', domain: '', inputs: [m.x], outputs: [out], attrs });
      continue;
    }
    m = matchSilu(ctx, root);
    if (m) {
      replaceWith(ctx, m.nodes, root, { name: `${root.name}_silu`, opType: 'Silu', domain: 'sparq', inputs: [m.x], outputs: [out], attrs: {} });
      continue;
    }
  }
  ctx.commit();
  return g;
}
