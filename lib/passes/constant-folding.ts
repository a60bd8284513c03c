/** Replaces nodes whose inputs are all constants (or whose result depends only on known shapes) by initializers. */
import { UnsupportedError } from '../errors';
import { canEvaluate, evaluateNode } from '../ir/evaluate';
import type { Graph, Node, TensorValue } from '../ir/graph';
import { InferContext, ShapedType } from './shape-inference/context';
import { shapeRuleOf } from './shape-inference/rules';

/** Folding a node whose output is this much bigger than its inputs is skipped when the executor can run the op. */
const MAX_GROWTH_ELEMENTS = 1 << 20;

/** No folded constant may be larger than this (256 MB of float32): beyond it folding would exhaust memory. */
export const MAX_FOLDED_ELEMENTS = 1 << 26;

/** Ops the native executor does not implement: they must fold whatever their output size. */
const MUST_FOLD = new Set(['Shape', 'Size', 'ConstantOfShape', 'Range']);

function staticShape(g: Graph, name: string): number[] | undefined {
  const v = g.valueInfo.get(name) ?? g.inputs.find((i) => i.name === name);
  if (!v || v.shapeUnknown || !v.shape.every((d): d is number => typeof d === 'number')) return undefined;
  return v.shape as number[];
}

/** A stand-in input for Shape/Size: the right dims and no data (they never read data). */
export function shapeOnly(type: TensorValue['type'], dims: number[]): TensorValue {
  return { type, dims, data: new Float32Array(0) };
}

function inputsOf(g: Graph, node: Node): (TensorValue | undefined)[] | undefined {
  const inputs: (TensorValue | undefined)[] = [];
  for (let i = 0; i < node.inputs.length; i++) {
    const name = node.inputs[i];
    if (name === '') {
      inputs.push(undefined);
      continue;
    }
    const t = g.initializers.get(name);
    if (t) inputs.push(t);
    else if (i === 0 && (node.opType === 'Shape' || node.opType === 'Size')) {
      const dims = staticShape(g, name);
      if (!dims) return undefined;
      inputs.push(shapeOnly(g.valueInfo.get(name)?.type ?? 'float32', dims));
    } else return undefined;
  }
  return inputs;
}

function count(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Output shapes when folding is worthwhile, else undefined. */
function foldable(node: Node, inputs: (TensorValue | undefined)[], opset: number): ShapedType[] | undefined {
  if (!canEvaluate(node)) return undefined;
  const infos = inputs.map((t) => (t ? { type: t.type, shape: t.dims } : undefined));
  const outs = shapeRuleOf(node)!(new InferContext(node, opset, infos, inputs));
  const outElements = outs.reduce((acc, o) => acc + count(o.shape), 0);
  if (MUST_FOLD.has(node.opType)) {
    if (outElements > MAX_FOLDED_ELEMENTS) {
      throw new UnsupportedError(
        `Unsupported ${node.opType} node '${node.name}': its constant output of ${outElements} elements exceeds the folding limit of ${MAX_FOLDED_ELEMENTS}`,
        node.opType,
        node.name,
        opset,
      );
    }
    return outs;
  }
  const inElements = inputs.reduce((acc, t) => acc + (t ? count(t.dims) : 0), 0);
  if (outElements > MAX_FOLDED_ELEMENTS) return undefined;
  return outElements > Math.max(MAX_GROWTH_ELEMENTS, inElements) ? undefined : outs;
}

/**
 * The node's outputs computed from constant inputs (Shape/Size may get data-less stand-ins carrying only dims),
 * or undefined when the op has no reference implementation or folding would blow up a small input.
 */
export function foldNode(node: Node, inputs: (TensorValue | undefined)[], opset: number): TensorValue[] | undefined {
  return foldable(node, inputs, opset) ? evaluateNode(node, inputs, opset) : undefined;
}

/**
 * Evaluates every node whose inputs are all initializers (and Shape/Size of values with static shapes) and
 * replaces it by initializers. Initializers nothing reads any more are dropped.
 * @throws ModelFormatError when a foldable node is inconsistent (e.g. a Reshape that cannot apply).
 */
export function foldConstants(g: Graph): void {
  const kept: Node[] = [];
  for (const node of g.nodes) {
    if (!canEvaluate(node)) {
      kept.push(node);
      continue;
    }
    const inputs = inputsOf(g, node);
    const outputs = inputs && foldNode(node, inputs, g.opset);
    if (!outputs) {
      kept.push(node);
      continue;
    }
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      g.initializers.set(name, outputs[i]);
      g.valueInfo.delete(name);
    });
  }
  g.nodes = kept;
  dropUnreadInitializers(g);
}

/** Removes initializers that no node and no graph output reads. */
export function dropUnreadInitializers(g: Graph): void {
  const read = new Set<string>(g.outputs.map((o) => o.name));
  const visit = (graph: Graph): void => {
    for (const n of graph.nodes) {
      for (const i of n.inputs) read.add(i);
      for (const a of Object.values(n.attrs)) if (a.kind === 'graph') visit(a.value);
    }
  };
  visit(g);
  for (const name of [...g.initializers.keys()]) if (!read.has(name)) g.initializers.delete(name);
}
