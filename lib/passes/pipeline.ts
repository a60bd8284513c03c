/** The load-time, shape-independent optimization pipeline: fold constants, import QDQ as int8 ops, fold BN and per-channel affine ops into Conv, fuse epilogues, drop dead nodes. */
import type { Graph } from '../ir/graph';
import { cloneGraph } from '../ir/graph-utils';
import { fuseActivations } from './activation-fusion';
import { canonicalizeActivations } from './activation-patterns';
import { foldBatchNorms } from './batchnorm-folding';
import { foldConstants } from './constant-folding';
import { foldConvAffine } from './conv-affine-folding';
import { removeDeadNodes } from './dead-nodes';
import { fuseMatMulBias } from './matmul-bias-fusion';
import { importQdq } from './qdq-import';
import { fuseResiduals } from './residual-fusion';

export interface PipelineOptions {
  /** Skip the fusions (BN folding stays): for debugging and for comparing fused against unfused numerics. */
  fuse?: boolean;
}

/** Returns an optimized copy of `g`; `g` is not modified. */
export function optimizeGraph(g: Graph, options: PipelineOptions = {}): Graph {
  let out = cloneGraph(g);
  // foldConstants / removeDeadNodes may rewrite in place or return a new graph; accept both.
  out = (foldConstants(out) as Graph | void) ?? out;
  // After folding (zero points computed by ConstantOfShape / Cast become constants), before anything fp32 touches
  // the quantized ops: QDQ and QLinear ops become int8 ops, leftover DQ of constants fp32 constants.
  out = importQdq(out);
  out = foldBatchNorms(out);
  out = foldConvAffine(out);
  if (options.fuse !== false) {
    out = canonicalizeActivations(out);
    out = fuseMatMulBias(out);
    out = fuseResiduals(out);
    out = fuseActivations(out);
  }
  return (removeDeadNodes(out) as Graph | void) ?? out;
}
