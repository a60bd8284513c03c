/** Multiply-accumulates of one run of an engine's model at given input shapes (the summary's count, at any shape). */
import type { Engine } from '../engine';
import { foldBatchNorms } from '../passes/batchnorm-folding';
import { foldConstants } from '../passes/constant-folding';
import { foldConvAffine } from '../passes/conv-affine-folding';
import { specialize } from '../passes/shape-inference';
import { layerMacs } from '../summary/model-summary';

const WEIGHTED = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/**
 * MACs of Conv/ConvTranspose/Gemm/MatMul layers (BN folded, as engine.summary() counts them) when the inputs have
 * `shapes` (input name -> dims); inputs left out keep their static dims, symbolic ones taken as 1.
 */
export function macsAtShapes(engine: Engine, shapes: ReadonlyMap<string, readonly number[]>): number {
  let source = engine.sourceGraph();
  foldConstants(source);
  source = foldConvAffine(foldBatchNorms(source));
  const inputShapes = new Map(source.inputs.map((v) => [v.name, (shapes.get(v.name) ?? v.shape.map((d) => (typeof d === 'number' ? d : 1))).slice()]));
  const g = specialize(source, inputShapes);
  const dims = (name: string): readonly number[] | undefined => g.initializers.get(name)?.dims ?? (g.valueInfo.get(name)?.shape as number[] | undefined);
  let macs = 0;
  for (const node of g.nodes) {
    if (!WEIGHTED.has(node.opType) || node.domain !== '') continue;
    const x = dims(node.inputs[0]);
    const w = dims(node.inputs[1]);
    const y = dims(node.outputs[0]);
    if (x && w && y) macs += layerMacs(node, x, w, y);
  }
  return macs;
}
