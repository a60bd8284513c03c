/** Cuts channels out of a graph for real: slices producer weights, per-channel constants and consumer inputs so the result is a smaller dense graph. */
import type { Graph, TensorValue } from '../ir/graph';
import { cloneGraph, uniqueName } from '../ir/graph-utils';
import { ChannelAnalysis, ChannelLayout, keptPositions } from './channel-groups';

/** A copy of `t` keeping only `positions` (ascending) along `axis`. */
export function sliceAxis(t: TensorValue, axis: number, positions: readonly number[]): TensorValue {
  const dims = t.dims;
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis];
  const src = t.data as Float32Array;
  const Ctor = src.constructor as new (length: number) => Float32Array;
  const out = new Ctor(outer * positions.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const p of positions) {
      const base = (a * n + p) * inner;
      for (let i = 0; i < inner; i++) out[o++] = src[base + i];
    }
  }
  const newDims = dims.slice();
  newDims[axis] = positions.length;
  return { type: t.type, dims: newDims, data: out };
}

/** What the surgery did to each weighted node, for reconstruction and references. */
export interface ChannelRemoval {
  /** Node name → output channels kept (producers only; sorted). */
  outputs: Map<string, number[]>;
  /** Node name → input positions kept along the reduction axis (consumers only; sorted). */
  inputs: Map<string, number[]>;
}

/**
 * Returns a new graph in which every group `g` keeps only the channels `keep.get(g)` (sorted; groups not in the map
 * keep everything). `analysis` must describe `graph`.
 */
export function removeChannels(graph: Graph, analysis: ChannelAnalysis, keep: ReadonlyMap<number, readonly number[]>): { graph: Graph; removal: ChannelRemoval } {
  const g = cloneGraph(graph);
  const byName = new Map(g.nodes.map((n) => [n.name, n]));
  const removal: ChannelRemoval = { outputs: new Map(), inputs: new Map() };
  const changed = new Set<string>();

  /** Replaces input `index` of node `nodeName` by a sliced copy under a fresh name (initializers may be shared). */
  const replaceInput = (nodeName: string, index: number, axis: number, positions: readonly number[]) => {
    const node = byName.get(nodeName)!;
    const name = node.inputs[index];
    const t = g.initializers.get(name)!;
    if (positions.length === t.dims[axis]) return;
    const fresh = uniqueName(g, `${name}_pruned`);
    g.initializers.set(fresh, sliceAxis(t, axis, positions));
    node.inputs[index] = fresh;
  };

  for (const group of analysis.groups.values()) {
    const kept = keep.get(group.id);
    if (!kept || kept.length === group.size) continue;
    if (group.fixed) throw new Error(`channel group ${group.id} cannot be pruned: ${group.fixed}`);
    for (const p of group.producers) {
      const node = byName.get(p.node.name)!;
      removal.outputs.set(node.name, [...kept]);
      changed.add(node.outputs[0]);
      if (p.kind === 'conv') {
        replaceInput(node.name, 1, 0, kept);
        if (node.inputs[2]) replaceInput(node.name, 2, 0, kept);
      } else if (p.kind === 'matmul') {
        replaceInput(node.name, 1, 1, kept);
      } else {
        const transB = node.attrs.transB?.kind === 'int' && node.attrs.transB.value !== 0;
        replaceInput(node.name, 1, transB ? 0 : 1, kept);
        const c = node.inputs[2] ? g.initializers.get(node.inputs[2]) : undefined;
        if (c && c.dims.length > 0 && c.dims[c.dims.length - 1] === group.size && group.size !== 1) replaceInput(node.name, 2, c.dims.length - 1, kept);
      }
    }
  }
  const touches = (layout: ChannelLayout) => layout.some((s) => {
    const kept = keep.get(s.group);
    return kept !== undefined && kept.length !== s.channels;
  });
  for (const c of analysis.consumers) {
    if (!touches(c.layout)) continue;
    const positions = keptPositions(c.layout, keep);
    removal.inputs.set(c.node.name, positions);
    if (c.kind === 'conv') replaceInput(c.node.name, 1, 1, positions);
    else if (c.kind === 'matmul') replaceInput(c.node.name, 1, 0, positions);
    else {
      const node = byName.get(c.node.name)!;
      const transB = node.attrs.transB?.kind === 'int' && node.attrs.transB.value !== 0;
      replaceInput(c.node.name, 1, transB ? 1 : 0, positions);
    }
  }
  for (const p of analysis.parameters) {
    if (!touches(p.layout)) continue;
    replaceInput(p.node.name, p.inputIndex, p.axis, keptPositions(p.layout, keep));
    for (const o of p.node.outputs) changed.add(o);
  }
  for (const c of analysis.counts) {
    if (!touches(c.layout)) continue;
    const node = byName.get(c.node.name)!;
    const count = keptPositions(c.layout, keep).length;
    if (c.kind === 'group') {
      node.attrs = { ...node.attrs, group: { kind: 'int', value: count } };
    } else {
      const shapeName = node.inputs[1];
      const shape = g.initializers.get(shapeName)!;
      const values = Array.from(shape.data as BigInt64Array, Number);
      if (values[1] !== -1) values[1] = count; // [N, C*H*W] with the kept channels
      const fresh = uniqueName(g, `${shapeName}_pruned`);
      g.initializers.set(fresh, { type: 'int64', dims: shape.dims.slice(), data: BigInt64Array.from(values.map(BigInt)) });
      node.inputs[1] = fresh;
    }
    for (const o of node.outputs) changed.add(o);
  }
  // Shapes of values downstream of a cut are stale; shape inference recomputes them.
  if (changed.size > 0) {
    for (const name of [...g.valueInfo.keys()]) g.valueInfo.delete(name);
  }
  const read = new Set(g.nodes.flatMap((n) => n.inputs));
  for (const name of [...g.initializers.keys()]) if (!read.has(name)) g.initializers.delete(name);
  for (const [name, positions] of removal.inputs) if (positions.length === 0) throw new Error(`node '${name}' would lose every input channel`);
  return { graph: g, removal };
}
