/** Removes nodes whose outputs nobody reads, and initializers nothing uses. */
import type { Graph } from '../ir/graph';

/** Keeps only nodes that (transitively) feed a graph output; drops unused initializers and stale value_info. */
export function removeDeadNodes(g: Graph): void {
  const live = new Set<string>(g.outputs.map((o) => o.name));
  const kept: typeof g.nodes = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => o !== '' && live.has(o))) continue;
    kept.push(n);
    for (const input of n.inputs) if (input !== '') live.add(input);
    // Values inside subgraphs may read outer-scope names implicitly.
    for (const a of Object.values(n.attrs)) if (a.kind === 'graph') collectSubgraphReads(a.value, live);
  }
  kept.reverse();
  g.nodes = kept;
  for (const name of [...g.initializers.keys()]) if (!live.has(name)) g.initializers.delete(name);
  const produced = new Set<string>(g.inputs.map((v) => v.name));
  for (const n of g.nodes) for (const o of n.outputs) produced.add(o);
  for (const name of [...g.valueInfo.keys()]) {
    if (!produced.has(name) && !g.initializers.has(name)) g.valueInfo.delete(name);
  }
}

function collectSubgraphReads(g: Graph, live: Set<string>): void {
  for (const n of g.nodes) {
    for (const input of n.inputs) if (input !== '') live.add(input);
    for (const a of Object.values(n.attrs)) if (a.kind === 'graph') collectSubgraphReads(a.value, live);
  }
  for (const o of g.outputs) live.add(o.name);
}
