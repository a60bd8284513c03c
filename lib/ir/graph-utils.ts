/** Graph plumbing every pass needs: cloning, producer/consumer maps, topological order, fresh names. */
import { ModelFormatError } from '../errors';
import type { AttrValue, Graph, Node, TensorValue, ValueInfo } from './graph';

function cloneAttr(a: AttrValue): AttrValue {
  switch (a.kind) {
    case 'floats':
    case 'ints':
      return { kind: a.kind, value: [...a.value] };
    case 'strings':
      return { kind: a.kind, value: [...a.value] };
    case 'tensor':
      return { kind: a.kind, value: cloneTensor(a.value) };
    case 'graph':
      return { kind: a.kind, value: cloneGraph(a.value) };
    default:
      return { ...a };
  }
}

/** A new TensorValue object with its own dims; the data array is shared (passes replace data, never write into it). */
export function cloneTensor(t: TensorValue): TensorValue {
  return { type: t.type, dims: [...t.dims], data: t.data };
}

export function cloneValueInfo(v: ValueInfo): ValueInfo {
  const out: ValueInfo = { name: v.name, type: v.type, shape: [...v.shape] };
  if (v.shapeUnknown) out.shapeUnknown = true;
  return out;
}

export function cloneNode(n: Node): Node {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(n.attrs)) attrs[k] = cloneAttr(v);
  return { name: n.name, opType: n.opType, domain: n.domain, inputs: [...n.inputs], outputs: [...n.outputs], attrs };
}

/** A copy whose nodes, lists and maps are all new; initializer data arrays are shared with `g`. */
export function cloneGraph(g: Graph): Graph {
  const initializers = new Map<string, TensorValue>();
  for (const [k, t] of g.initializers) initializers.set(k, cloneTensor(t));
  const valueInfo = new Map<string, ValueInfo>();
  for (const [k, v] of g.valueInfo) valueInfo.set(k, cloneValueInfo(v));
  return {
    name: g.name,
    nodes: g.nodes.map(cloneNode),
    inputs: g.inputs.map(cloneValueInfo),
    outputs: g.outputs.map(cloneValueInfo),
    initializers,
    valueInfo,
    opset: g.opset,
    otherOpsets: { ...g.otherOpsets },
    producer: g.producer,
    irVersion: g.irVersion,
  };
}

/** Value name → the node producing it. */
export function producerMap(g: Graph): Map<string, Node> {
  const m = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) if (o !== '') m.set(o, n);
  return m;
}

/** Value name → the nodes reading it (a node reading a value twice appears once). */
export function consumerMap(g: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const i of new Set(n.inputs)) {
      if (i === '') continue;
      const list = m.get(i);
      if (list) list.push(n);
      else m.set(i, [n]);
    }
  }
  return m;
}

/**
 * Sorts g.nodes so every node comes after the producers of its inputs, keeping the existing order where it is
 * already valid. `outerScope` names values visible from an enclosing graph (for subgraphs).
 * @throws ModelFormatError on a cycle, a value produced twice, or an input that nothing produces.
 */
export function topoSort(g: Graph, outerScope?: ReadonlySet<string>): void {
  const producerIndex = new Map<string, number>();
  g.nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (producerIndex.has(o)) {
        throw new ModelFormatError(`Value '${o}' is produced by both node '${g.nodes[producerIndex.get(o)!].name}' and node '${n.name}'`);
      }
      producerIndex.set(o, i);
    }
  });
  const available = new Set<string>(['']);
  for (const v of g.inputs) available.add(v.name);
  for (const k of g.initializers.keys()) available.add(k);
  const deps: number[][] = g.nodes.map((n) => {
    const d: number[] = [];
    for (const i of n.inputs) {
      const p = producerIndex.get(i);
      if (p !== undefined) d.push(p);
      else if (!available.has(i) && !outerScope?.has(i)) {
        throw new ModelFormatError(`Input '${i}' of node '${n.name}' (${n.opType}) is not produced by any node, initializer or graph input`);
      }
    }
    return d;
  });
  // Iterative DFS in the current order: an already sorted graph comes out unchanged.
  const state = new Uint8Array(g.nodes.length); // 0 new, 1 on stack, 2 placed
  const order: Node[] = [];
  for (let root = 0; root < g.nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: [number, number][] = [[root, 0]];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, next] = top;
      if (next < deps[node].length) {
        top[1]++;
        const d = deps[node][next];
        if (state[d] === 1) {
          throw new ModelFormatError(`Graph has a cycle through node '${g.nodes[d].name}' (${g.nodes[d].opType})`);
        }
        if (state[d] === 0) {
          state[d] = 1;
          stack.push([d, 0]);
        }
      } else {
        state[node] = 2;
        order.push(g.nodes[node]);
        stack.pop();
      }
    }
  }
  g.nodes = order;
}

/** Every name in use: values, initializers, node names. */
function usedNames(g: Graph): Set<string> {
  const s = new Set<string>();
  for (const v of g.inputs) s.add(v.name);
  for (const v of g.outputs) s.add(v.name);
  for (const k of g.initializers.keys()) s.add(k);
  for (const k of g.valueInfo.keys()) s.add(k);
  for (const n of g.nodes) {
    s.add(n.name);
    for (const o of n.outputs) s.add(o);
    for (const i of n.inputs) s.add(i);
  }
  return s;
}

/** A value/node name not used anywhere in `g`: `base` itself when free, else `base_1`, `base_2`, ... */
export function uniqueName(g: Graph, base: string): string {
  const used = usedNames(g);
  if (!used.has(base)) return base;
  for (let i = 1; ; i++) {
    const candidate = `${base}_${i}`;
    if (!used.has(candidate)) return candidate;
  }
}
