/** Specializes a graph to concrete input shapes: every value gets a static shape and shape math folds to constants. */
import { ModelFormatError, UnsupportedError } from '../errors';
import type { Dim, Graph, TensorValue, ValueInfo } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { MAX_TENSOR_ELEMENTS, elementCount } from '../ir/tensor-values';
import { foldNode, shapeOnly } from './constant-folding';
import { removeDeadNodes } from './dead-nodes';
import { InferContext, ShapedType } from './shape-inference/context';
import { shapeRuleOf } from './shape-inference/rules';

/**
 * Returns a new graph (g is untouched) in which every node output and graph output has a concrete entry in
 * valueInfo, graph inputs carry the given shapes, everything that depends only on constants and shapes is folded
 * into initializers, and dead nodes are removed. Inputs with fully static declared shapes may be left out of
 * `inputShapes`.
 * @throws RangeError when an input shape is missing, malformed or disagrees with the declared static dims
 *   (`Expected dimension 1 of input 'x' to be 3 but received 4`).
 * @throws ModelFormatError when shapes are inconsistent (naming the node and shapes).
 * @throws UnsupportedError for ops without a shape rule or shapes that depend on run-time data.
 */
export function specialize(g: Graph, inputShapes: Map<string, number[]>): Graph {
  const out = cloneGraph(g);
  const known = new Map<string, ShapedType>();
  for (const [name, t] of out.initializers) known.set(name, { type: t.type, shape: t.dims });
  const shapes = resolveInputShapes(out.inputs, inputShapes);
  out.valueInfo = new Map();
  for (const v of out.inputs) {
    v.shape = shapes.get(v.name)!;
    delete v.shapeUnknown;
    known.set(v.name, { type: v.type, shape: v.shape as number[] });
    out.valueInfo.set(v.name, { name: v.name, type: v.type, shape: [...v.shape] });
  }
  const kept: typeof out.nodes = [];
  for (const node of out.nodes) {
    const rule = shapeRuleOf(node);
    if (!rule) {
      const opset = node.domain === '' ? out.opset : out.otherOpsets[node.domain] ?? 1;
      const op = node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
      throw new UnsupportedError(`Unsupported op '${op}' in node '${node.name}' (opset ${opset})`, node.opType, node.name, opset);
    }
    const infos = node.inputs.map((name) => {
      if (name === '') return undefined;
      const info = known.get(name);
      if (!info) throw new ModelFormatError(`Input '${name}' of node '${node.name}' (${node.opType}) has no known shape`);
      return info;
    });
    const constants = node.inputs.map((name) => (name === '' ? undefined : out.initializers.get(name)));
    const folded = tryFold(node, infos, constants, out.opset);
    if (folded) {
      node.outputs.forEach((name, i) => {
        if (name === '') return;
        out.initializers.set(name, folded[i]);
        known.set(name, { type: folded[i].type, shape: folded[i].dims });
      });
      continue;
    }
    const results = rule(new InferContext(node, out.opset, infos, constants));
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      const r = results[i];
      if (!r) throw new ModelFormatError(`${node.opType} node '${node.name}' has more outputs than the op defines`);
      elementCount(r.shape, `value '${name}' of node '${node.name}' (${node.opType})`);
      known.set(name, r);
      out.valueInfo.set(name, { name, type: r.type, shape: [...r.shape] });
    });
    kept.push(node);
  }
  out.nodes = kept;
  for (const o of out.outputs) {
    const info = known.get(o.name);
    if (!info) throw new ModelFormatError(`Graph output '${o.name}' is not produced by any node, initializer or input`);
    o.type = info.type;
    o.shape = [...info.shape];
    delete o.shapeUnknown;
    out.valueInfo.set(o.name, { name: o.name, type: info.type, shape: [...info.shape] });
  }
  removeDeadNodes(out);
  return out;
}

/** Folds when every present input is a constant, or for Shape/Size whose input shape is known. */
function tryFold(
  node: Graph['nodes'][number],
  infos: (ShapedType | undefined)[],
  constants: (TensorValue | undefined)[],
  opset: number,
): TensorValue[] | undefined {
  const shapeOp = (node.opType === 'Shape' || node.opType === 'Size') && node.domain === '';
  const inputs: (TensorValue | undefined)[] = [];
  for (let i = 0; i < node.inputs.length; i++) {
    if (node.inputs[i] === '') inputs.push(undefined);
    else if (constants[i]) inputs.push(constants[i]);
    else if (shapeOp && i === 0) inputs.push(shapeOnly(infos[0]!.type, infos[0]!.shape));
    else return undefined;
  }
  return foldNode(node, inputs, opset);
}

function describeShape(s: unknown): string {
  return Array.isArray(s) ? `[${s.map(String).join(', ')}]` : String(s);
}

/** Checks the caller's shapes against the declared dims; symbolic dims with one name must agree across inputs. */
function resolveInputShapes(inputs: ValueInfo[], given: Map<string, number[]>): Map<string, number[]> {
  if (!(given instanceof Map)) throw new TypeError('Expected a Map of input shapes for inputShapes');
  const names = new Set(inputs.map((v) => v.name));
  for (const name of given.keys()) {
    if (!names.has(name)) {
      throw new RangeError(`Expected one of the inputs [${[...names].join(', ')}] for an input shape but received '${name}'`);
    }
  }
  const symbols = new Map<string, { value: number; input: string }>();
  const result = new Map<string, number[]>();
  for (const v of inputs) {
    let shape = given.get(v.name);
    if (shape === undefined) {
      if (v.shapeUnknown || !v.shape.every((d): d is number => typeof d === 'number')) {
        throw new RangeError(`Expected a shape for input '${v.name}' (declared [${v.shape.map(String).join(', ')}]) but received none`);
      }
      shape = v.shape as number[];
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(`Expected an array of non-negative integers for the shape of input '${v.name}' but received ${describeShape(shape)}`);
    }
    if (shape.reduce((a, b) => a * b, 1) > MAX_TENSOR_ELEMENTS) {
      throw new RangeError(`Expected at most ${MAX_TENSOR_ELEMENTS} elements for input '${v.name}' but received shape ${describeShape(shape)}`);
    }
    if (!v.shapeUnknown) {
      if (shape.length !== v.shape.length) {
        throw new RangeError(`Expected rank ${v.shape.length} for input '${v.name}' but received rank ${shape.length} (${describeShape(shape)})`);
      }
      v.shape.forEach((d: Dim, i) => {
        const got = shape![i];
        if (typeof d === 'number' && d !== got) {
          throw new RangeError(`Expected dimension ${i} of input '${v.name}' to be ${d} but received ${got}`);
        }
        if (typeof d === 'string') {
          const seen = symbols.get(d);
          if (seen && seen.value !== got) {
            throw new RangeError(
              `Expected dimension ${i} of input '${v.name}' ('${d}') to be ${seen.value} like input '${seen.input}' but received ${got}`,
            );
          }
          if (!seen) symbols.set(d, { value: got, input: v.name });
        }
      });
    }
    result.set(v.name, [...shape]);
  }
  return result;
}
