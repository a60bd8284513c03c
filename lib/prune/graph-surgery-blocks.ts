/**
 * Residual blocks of a graph and their removal: a block is what lies between a residual Add and the nearest value
 * both its inputs descend from; removing it replaces Add(shortcut, body(x)) by the shortcut path.
 */
import type { Graph, Node } from '../ir/graph';
import { cloneGraph, consumerMap, producerMap } from '../ir/graph-utils';
import { removeDeadNodes } from '../passes/dead-nodes';

export interface ResidualBlock {
  /** The residual Add node's name (names the block). */
  name: string;
  /** Value both branches start from. */
  entry: string;
  /** The Add input that stays (the entry itself for an identity shortcut). */
  shortcut: string;
  /** Nodes of the removed branch. */
  body: Node[];
}

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** Nodes between `from` (exclusive) and `value` (inclusive), or undefined when the branch reads another computed value. */
function branch(g: Graph, value: string, from: string, producers: Map<string, Node>): Node[] | undefined {
  const nodes = new Set<Node>();
  const stack = [value];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === from || v === '' || seen.has(v) || g.initializers.has(v)) continue;
    seen.add(v);
    const p = producers.get(v);
    if (!p) return undefined; // a graph input other than the entry
    nodes.add(p);
    stack.push(...p.inputs);
  }
  return g.nodes.filter((n) => nodes.has(n));
}

/** Every value `value` is computed from (itself included). */
function ancestors(value: string, producers: Map<string, Node>): Set<string> {
  const out = new Set<string>();
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (!v || out.has(v)) continue;
    out.add(v);
    const p = producers.get(v);
    if (p) stack.push(...p.inputs);
  }
  return out;
}

/**
 * The removable residual blocks of `g`: Adds of two computed values of equal shape (`shapes`: concrete dims) whose
 * branches meet at one value, the heavier branch holds a conv/gemm and is used by nothing but the Add.
 */
export function findResidualBlocks(g: Graph, shapes: ReadonlyMap<string, readonly number[]>): ResidualBlock[] {
  const producers = producerMap(g);
  const consumers = consumerMap(g);
  const order = new Map(g.nodes.map((n, i) => [n, i]));
  const position = (v: string) => (producers.has(v) ? order.get(producers.get(v)!)! : -1);
  const outputs = new Set(g.outputs.map((o) => o.name));
  const blocks: ResidualBlock[] = [];
  for (const add of g.nodes) {
    if (add.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2) continue;
    const [a, b] = add.inputs;
    if (g.initializers.has(a) || g.initializers.has(b) || a === b) continue;
    const sa = shapes.get(a);
    const sb = shapes.get(b);
    if (!sa || !sb || sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) continue;
    const ancB = ancestors(b, producers);
    let entry: string | undefined;
    for (const v of ancestors(a, producers)) {
      if (ancB.has(v) && !g.initializers.has(v) && (entry === undefined || position(v) > position(entry))) entry = v;
    }
    if (entry === undefined) continue;
    const branchA = branch(g, a, entry, producers);
    const branchB = branch(g, b, entry, producers);
    if (!branchA || !branchB || branchA.some((n) => branchB.includes(n))) continue;
    const weight = (nodes: Node[]) => nodes.filter((n) => WEIGHTED.has(n.opType)).length * 1e6 + nodes.length;
    const [shortcut, body] = weight(branchA) <= weight(branchB) ? [a, branchB] : [b, branchA];
    if (!body.some((n) => WEIGHTED.has(n.opType))) continue;
    const inBody = new Set(body);
    const private_ = body.every((n) => n.outputs.every((o) => !o || (!outputs.has(o) && (consumers.get(o) ?? []).every((c) => inBody.has(c) || c === add))));
    if (!private_) continue;
    blocks.push({ name: add.name, entry, shortcut, body });
  }
  return blocks;
}

/** A copy of `g` in which the block's Add is replaced by its shortcut (the body becomes dead and is dropped). */
export function removeBlock(g: Graph, block: ResidualBlock): Graph {
  const out = cloneGraph(g);
  const index = out.nodes.findIndex((n) => n.name === block.name);
  const add = out.nodes[index];
  const y = add.outputs[0];
  if (out.outputs.some((o) => o.name === y)) {
    out.nodes[index] = { name: add.name, opType: 'Identity', domain: '', inputs: [block.shortcut], outputs: [y], attrs: {} };
  } else {
    out.nodes.splice(index, 1);
    for (const n of out.nodes) n.inputs = n.inputs.map((i) => (i === y ? block.shortcut : i));
    out.valueInfo.delete(y);
  }
  removeDeadNodes(out);
  return out;
}
