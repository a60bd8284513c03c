/** Evaluates a node on constant inputs (the shape rule gives output shapes; these fill in the data). */
import { InferContext } from '../../passes/shape-inference/context';
import { shapeRuleOf } from '../../passes/shape-inference/rules';
import { transposePerm } from '../../passes/shape-inference/reshape';
import { concatAxis, sliceParams } from '../../passes/shape-inference/slice-concat';
import { shapeWindow } from '../../passes/shape-inference/value-ops';
import { attrInt, attrTensor, hasAttr } from '../attributes';
import type { Node, TensorValue } from '../graph';
import { dtypeFromCode } from '../tensor-values';
import { evaluateConcat, evaluateGather, evaluateSlice, evaluateTranspose, relabel } from './data-movement';
import { evaluateArithmetic, evaluateCompare, evaluateExpand, evaluateUnary, evaluateWhere } from './elementwise';
import { evaluateCast, evaluateConstantOfShape, evaluateRange, shapeTensor, sizeTensor } from './value-ops';

/** Ops with a TypeScript reference implementation (default domain). */
export const EVALUABLE_OPS: ReadonlySet<string> = new Set([
  'Shape', 'Size', 'Gather', 'Concat', 'Unsqueeze', 'Squeeze', 'Reshape', 'Flatten', 'Cast', 'Slice', 'Add', 'Sub',
  'Mul', 'Div', 'Neg', 'Equal', 'Less', 'Greater', 'Not', 'Where', 'ConstantOfShape', 'Range', 'Expand', 'Identity',
  'Transpose', 'Sqrt', 'Reciprocal', 'Min', 'Max',
]);

export function canEvaluate(node: Node): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && EVALUABLE_OPS.has(node.opType);
}

/**
 * Computes the node's outputs from constant inputs (`undefined` entries = omitted optional inputs).
 * Returns undefined when the op or dtype combination has no reference implementation.
 * @throws ModelFormatError when the node is inconsistent (bad shapes, out-of-range Gather index).
 */
export function evaluateNode(node: Node, inputs: (TensorValue | undefined)[], opset: number): TensorValue[] | undefined {
  if (!canEvaluate(node)) return undefined;
  const rule = shapeRuleOf(node)!;
  const infos = inputs.map((t) => (t ? { type: t.type, shape: t.dims } : undefined));
  const ctx = new InferContext(node, opset, infos, inputs);
  const outs = rule(ctx);
  const x = inputs[0];
  const present = inputs.filter((t): t is TensorValue => t !== undefined);
  const dims = outs[0].shape;
  switch (node.opType) {
    case 'Shape': {
      const [start, end] = shapeWindow(ctx, x!.dims.length);
      return [shapeTensor(x!.dims, start, end)];
    }
    case 'Size':
      return [sizeTensor(x!.dims)];
    case 'Identity':
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
      return [relabel(x!, dims)];
    case 'Gather':
      return [evaluateGather(x!, inputs[1]!, ctx.axis(attrInt(node, 'axis', 0), x!.dims.length), dims, node.name)];
    case 'Concat':
      return [evaluateConcat(present, concatAxis(ctx), dims)];
    case 'Slice': {
      const p = sliceParams(ctx, x!.dims);
      return [evaluateSlice(x!, p.starts, p.steps, p.counts)];
    }
    case 'Transpose':
      return [evaluateTranspose(x!, transposePerm(ctx, x!.dims.length))];
    case 'Expand':
      return [evaluateExpand(x!, dims)];
    case 'Cast':
      return wrap(evaluateCast(x!, dtypeFromCode(attrInt(node, 'to'))!));
    case 'ConstantOfShape':
      return [evaluateConstantOfShape(hasAttr(node, 'value') ? attrTensor(node, 'value') : undefined, dims)];
    case 'Range':
      return [evaluateRange(inputs[0]!, inputs[2]!, dims[0])];
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Min':
    case 'Max':
      return wrap(evaluateArithmetic(node.opType, present, dims));
    case 'Equal':
    case 'Less':
    case 'Greater':
      return wrap(evaluateCompare(node.opType, present, dims));
    case 'Where':
      return wrap(evaluateWhere(present, dims));
    case 'Not':
    case 'Neg':
    case 'Sqrt':
    case 'Reciprocal':
      return wrap(evaluateUnary(node.opType, x!));
    default:
      return undefined;
  }
}

function wrap(t: TensorValue | undefined): TensorValue[] | undefined {
  return t ? [t] : undefined;
}
