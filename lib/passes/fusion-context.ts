/** What a pattern-matching pass needs to know about a graph: producers, consumers, outputs, constants, attributes. */
import type { AttrValue, Graph, Node, TensorValue } from '../ir/graph';

export class FusionContext {
  readonly producer = new Map<string, Node>();
  readonly consumers = new Map<string, Node[]>();
  readonly graphOutputs: Set<string>;
  /** Nodes that a rewrite replaced; `commit()` drops them. */
  readonly removed = new Set<Node>();
  private readonly reserved = new Set<string>();

  constructor(readonly graph: Graph) {
    this.graphOutputs = new Set(graph.outputs.map((o) => o.name));
    for (const node of graph.nodes) {
      for (const out of node.outputs) if (out) this.producer.set(out, node);
      for (const input of node.inputs) {
        if (!input) continue;
        let list = this.consumers.get(input);
        if (!list) this.consumers.set(input, (list = []));
        if (!list.includes(node)) list.push(node);
      }
    }
  }

  /** The node producing `value` unless it was removed, else undefined. */
  producerOf(value: string, opTypes?: string[]): Node | undefined {
    const node = this.producer.get(value);
    if (!node || this.removed.has(node)) return undefined;
    if (opTypes && !(node.domain === '' && opTypes.includes(node.opType))) return undefined;
    return node;
  }

  consumersOf(value: string): Node[] {
    return (this.consumers.get(value) ?? []).filter((n) => !this.removed.has(n));
  }

  /** True when `value` feeds exactly one node (once) and is not a graph output: it may disappear into a fusion. */
  isPrivate(value: string): boolean {
    if (this.graphOutputs.has(value)) return false;
    const users = this.consumersOf(value);
    if (users.length !== 1) return false;
    return users[0].inputs.filter((i) => i === value).length === 1;
  }

  /** The single consumer of `value` when it is private, else undefined. */
  soleConsumer(value: string, opTypes?: string[]): Node | undefined {
    if (!this.isPrivate(value)) return undefined;
    const node = this.consumersOf(value)[0];
    if (opTypes && !(node.domain === '' && opTypes.includes(node.opType))) return undefined;
    return node;
  }

  constant(value: string): TensorValue | undefined {
    if (!value) return undefined;
    const init = this.graph.initializers.get(value);
    if (init) return init;
    const node = this.producerOf(value, ['Constant']);
    const attr = node?.attrs.value;
    return attr && attr.kind === 'tensor' ? attr.value : undefined;
  }

  /** The single number a constant holds (any shape with one element), else undefined. */
  scalar(value: string): number | undefined {
    const t = this.constant(value);
    if (!t || t.data.length !== 1 || typeof t.data[0] === 'string') return undefined;
    return Number(t.data[0]);
  }

  /** Rewires every consumer of `from` (and the graph outputs) to read `to`. */
  replaceUses(from: string, to: string): void {
    for (const node of this.graph.nodes) {
      node.inputs = node.inputs.map((i) => (i === from ? to : i));
    }
    for (const out of this.graph.outputs) if (out.name === from) out.name = to;
  }

  /** Registers a node a rewrite created (the caller puts it into graph.nodes). */
  add(node: Node): void {
    for (const out of node.outputs) if (out) this.producer.set(out, node);
    for (const input of node.inputs) {
      if (!input) continue;
      let list = this.consumers.get(input);
      if (!list) this.consumers.set(input, (list = []));
      if (!list.includes(node)) list.push(node);
    }
  }

  remove(node: Node): void {
    this.removed.add(node);
  }

  /** Drops removed nodes, keeping the order of the rest. */
  commit(): void {
    this.graph.nodes = this.graph.nodes.filter((n) => !this.removed.has(n));
    this.removed.clear();
  }

  /** A name no initializer, value or node uses yet. */
  freshName(base: string): string {
    const taken = (n: string) =>
      this.graph.initializers.has(n) || this.producer.has(n) || this.consumers.has(n) || this.graph.inputs.some((i) => i.name === n);
    let name = base;
    for (let i = 1; taken(name) || this.reserved.has(name); i++) name = `${base}_${i}`;
    this.reserved.add(name);
    return name;
  }
}

export function attrNumber(node: Node, name: string, fallback: number): number {
  const a: AttrValue | undefined = node.attrs[name];
  if (!a) return fallback;
  if (a.kind === 'int' || a.kind === 'float') return a.value;
  return fallback;
}

export function attrString(node: Node, name: string, fallback: string): string {
  const a = node.attrs[name];
  return a && a.kind === 'string' ? a.value : fallback;
}

export function attrNumbers(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  if (!a) return undefined;
  if (a.kind === 'ints' || a.kind === 'floats') return a.value.slice();
  if (a.kind === 'int' || a.kind === 'float') return [a.value];
  return undefined;
}

/** True when the node already carries a fused activation or residual and cannot take another. */
export function hasEpilogue(node: Node): boolean {
  const act = attrString(node, 'activation', 'none');
  return act !== 'none' || (node.inputs[3] ?? '') !== '';
}

/** Float data of a float32/float64 constant, copied. */
export function floatData(t: TensorValue): Float32Array | undefined {
  if (t.type !== 'float32' && t.type !== 'float64') return undefined;
  return Float32Array.from(t.data as Float32Array);
}
