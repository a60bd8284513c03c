/** The graph quantization starts from: the model's standard ONNX ops with constants and BatchNorm / affine ops folded into Conv (no sparq-specific fusions). */
import { UnsupportedError } from '../errors';
import type { Graph } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { foldBatchNorms } from '../passes/batchnorm-folding';
import { foldConstants } from '../passes/constant-folding';
import { foldConvAffine } from '../passes/conv-affine-folding';
import { removeDeadNodes } from '../passes/dead-nodes';

/** Per-axis DequantizeLinear (per-channel weights) exists from opset 13. */
export const MIN_QDQ_OPSET = 13;

/** @throws UnsupportedError for models older than opset 13. */
export function prepareGraph(source: Graph): Graph {
  if (source.opset < MIN_QDQ_OPSET) {
    throw new UnsupportedError(`Expected a model of opset ${MIN_QDQ_OPSET} or later for int8 quantization but received opset ${source.opset}`);
  }
  const g = cloneGraph(source);
  foldConstants(g);
  let out = foldBatchNorms(g);
  out = foldConvAffine(out);
  removeDeadNodes(out);
  return out;
}
