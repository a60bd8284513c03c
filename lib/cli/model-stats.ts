/** Per-layer parameters and MACs of a model at concrete input shapes (from the specialized source graph). */
import type { Graph, Node } from '../ir/graph';
import { specialize } from '../passes/shape-inference';

export interface LayerStats {
  name: string;
  opType: string;
  parameters: number;
  macs: number;
}

function elements(dims: readonly (number | string | null)[]): number {
  return dims.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
}

function macsOf(n: Node, g: Graph): number {
  const shape = (v: string) => (g.valueInfo.get(v)?.shape ?? g.initializers.get(v)?.dims ?? []) as number[];
  const out = shape(n.outputs[0]);
  const attrInt = (k: string, d: number) => (n.attrs[k]?.kind === 'int' ? (n.attrs[k].value as number) : d);
  switch (n.opType) {
    case 'Conv': {
      const w = shape(n.inputs[1]); // [M, C/group, k...]
      return elements(out) * elements(w.slice(1));
    }
    case 'ConvTranspose': {
      const w = shape(n.inputs[1]); // [C, M/group, k...]
      return elements(shape(n.inputs[0])) * elements(w.slice(1));
    }
    case 'Gemm': {
      const a = shape(n.inputs[0]);
      const k = attrInt('transA', 0) ? a[0] : a[a.length - 1];
      return elements(out) * k;
    }
    case 'MatMul': {
      const a = shape(n.inputs[0]);
      return elements(out) * (a[a.length - 1] ?? 1);
    }
    default:
      return 0;
  }
}

/** Layers that carry weights or MACs, with totals; `inputShapes` gives every symbolic dim a value. */
export function modelStats(source: Graph, inputShapes: Map<string, number[]>): { layers: LayerStats[]; parameters: number; macs: number } {
  const g = specialize(source, inputShapes);
  const layers: LayerStats[] = [];
  const counted = new Set<string>();
  for (const n of g.nodes) {
    let parameters = 0;
    for (const i of n.inputs) {
      const t = g.initializers.get(i);
      if (!t || counted.has(i) || t.dims.length === 0) continue;
      counted.add(i);
      parameters += elements(t.dims);
    }
    const macs = macsOf(n, g);
    if (parameters || macs) layers.push({ name: n.name, opType: n.opType, parameters, macs });
  }
  // Parameters: every weight of the model as loaded (specialize may fold some initializers into others).
  let parameters = 0;
  for (const t of source.initializers.values()) if (t.dims.length) parameters += elements(t.dims);
  return { layers, parameters, macs: layers.reduce((a, l) => a + l.macs, 0) };
}
