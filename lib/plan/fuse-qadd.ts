/** Fuses `QAdd(QConv(…), R)` into the QConv as a residual added after requantization, on concrete shapes. */
import type { Dim, Graph, Node } from '../ir/graph';
import { attr, int8OutputType, isInt8Node } from '../ir/int8-ops';
import { FusionContext } from '../passes/fusion-context';

function numberAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && (a.kind === 'float' || a.kind === 'int') ? a.value : fallback;
}

function stringAttr(node: Node, name: string, fallback: string): string {
  const a = node.attrs[name];
  return a && a.kind === 'string' ? a.value : fallback;
}

function shapeOf(g: Graph, value: string): Dim[] | undefined {
  return g.valueInfo.get(value)?.shape ?? g.inputs.find((i) => i.name === value)?.shape ?? g.outputs.find((o) => o.name === value)?.shape;
}

function sameConcreteShape(a: Dim[] | undefined, b: Dim[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((d, i) => typeof d === 'number' && d === b[i]);
}

/** Operand `k` of `add` when it is a u8 QConv output with no residual yet that only this QAdd reads, else undefined. */
function fusableConv(ctx: FusionContext, add: Node, k: number): Node | undefined {
  const value = add.inputs[k];
  const other = add.inputs[1 - k];
  const conv = ctx.producerOf(value);
  if (!conv || !isInt8Node(conv, 'QConv') || int8OutputType(conv) !== 'uint8' || conv.inputs[3]) return undefined;
  if (!ctx.isPrivate(value) || value === other) return undefined;
  // The QAdd reads the conv output with the conv's own quantization (always so from the QDQ import; checked anyway).
  const side = k === 0 ? 'a' : 'b';
  if (numberAttr(add, `${side}_scale`, NaN) !== numberAttr(conv, 'y_scale', NaN)) return undefined;
  if (numberAttr(add, `${side}_zero_point`, 0) !== numberAttr(conv, 'y_zero_point', 0)) return undefined;
  const g = ctx.graph;
  const y = shapeOf(g, add.outputs[0]);
  if (!sameConcreteShape(shapeOf(g, value), y) || !sameConcreteShape(shapeOf(g, other), y)) return undefined;
  return conv;
}

/**
 * Rewrites every `QAdd(QConv(x) → v, r)` where v feeds only that QAdd and r has the output's exact shape into one QConv
 * with R = r and add_y_scale / add_y_zero_point / add_activation (native/ops/qconv.cc): the conv output is still
 * requantized to u8 with its own y_scale, then QAdd's arithmetic runs in the epilogue, so results are bit-identical.
 * The fused node takes the QAdd's place in the order (r may be produced after the conv). Mutates and returns `g`.
 */
export function fuseQAdds(g: Graph): Graph {
  const ctx = new FusionContext(g);
  const order = new Map(g.nodes.map((n, i) => [n, i]));
  const replaced = new Map<Node, Node>();
  const dropped = new Set<Node>();
  for (const add of g.nodes) {
    if (!isInt8Node(add, 'QAdd')) continue;
    const activation = stringAttr(add, 'activation', 'none');
    if (activation !== 'none' && activation !== 'relu') continue;
    // Prefer the later conv: its R (the other operand) is then already computed where the conv used to run.
    const candidates = [0, 1]
      .map((k) => ({ k, conv: fusableConv(ctx, add, k) }))
      .filter((c): c is { k: number; conv: Node } => !!c.conv && !dropped.has(c.conv))
      .sort((a, b) => order.get(b.conv)! - order.get(a.conv)!);
    if (candidates.length === 0) continue;
    const { k, conv } = candidates[0];
    const side = k === 0 ? 'b' : 'a';
    const [x, w, b = ''] = conv.inputs;
    const fused: Node = {
      ...conv,
      inputs: [x, w, b, add.inputs[1 - k]],
      outputs: [add.outputs[0]],
      attrs: {
        ...conv.attrs,
        r_scale: attr.f(numberAttr(add, `${side}_scale`, NaN)),
        r_zero_point: attr.i(numberAttr(add, `${side}_zero_point`, 0)),
        add_y_scale: attr.f(numberAttr(add, 'y_scale', NaN)),
        add_y_zero_point: attr.i(numberAttr(add, 'y_zero_point', 0)),
        add_activation: attr.s(activation),
      },
    };
    g.valueInfo.delete(conv.outputs[0]);
    dropped.add(conv);
    replaced.set(add, fused);
  }
  if (replaced.size === 0) return g;
  g.nodes = g.nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n);
  return g;
}
