/** Folds BatchNormalization into the weights and bias of the Conv / ConvTranspose / Gemm feeding it (inference BN is an affine map per channel). */
import type { Graph, Node, TensorValue } from '../ir/graph';
import { FusionContext, attrNumber, floatData, hasEpilogue } from './fusion-context';

/** Per-channel scale and shift equal to BN: y = x * scale + shift. */
function bnAffine(ctx: FusionContext, bn: Node): { scale: Float32Array; shift: Float32Array } | undefined {
  const [, gammaName, betaName, meanName, varName] = bn.inputs;
  const tensors = [gammaName, betaName, meanName, varName].map((n) => ctx.constant(n));
  if (tensors.some((t) => !t)) return undefined;
  const [gamma, beta, mean, variance] = tensors.map((t) => floatData(t as TensorValue));
  if (!gamma || !beta || !mean || !variance) return undefined;
  const c = gamma.length;
  if (beta.length !== c || mean.length !== c || variance.length !== c) return undefined;
  const epsilon = attrNumber(bn, 'epsilon', 1e-5);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + epsilon);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  return { scale, shift };
}

/** Folds into Conv (W = [M, C/g, ...]) or ConvTranspose (W = [C, M/g, ...]); returns false when shapes do not fit. */
function foldIntoConv(ctx: FusionContext, conv: Node, scale: Float32Array, shift: Float32Array): boolean {
  const w = ctx.constant(conv.inputs[1]);
  if (!w || w.dims.length < 3) return false;
  const wData = floatData(w);
  if (!wData) return false;
  const group = attrNumber(conv, 'group', 1);
  const transposed = conv.opType === 'ConvTranspose';
  const m = transposed ? w.dims[1] * group : w.dims[0];
  if (m !== scale.length) return false;
  const biasName = conv.inputs[2] ?? '';
  const bias = biasName ? ctx.constant(biasName) : undefined;
  if (biasName && !bias) return false;
  const biasData = bias ? floatData(bias) : new Float32Array(m);
  if (!biasData || biasData.length !== m) return false;

  const inner = w.dims.slice(2).reduce((a, b) => a * b, 1) | 0;
  if (!transposed) {
    // Integer stride (a float one makes every index a heap number and the loop ~50x slower).
    const perOut = (wData.length / m) | 0;
    for (let o = 0; o < m; o++) {
      const row = wData.subarray(o * perOut, (o + 1) * perOut);
      const k = scale[o];
      for (let i = 0; i < perOut; i++) row[i] *= k;
    }
  } else {
    const c = w.dims[0];
    const mPerGroup = w.dims[1];
    const cPerGroup = (c / group) | 0;
    for (let ci = 0; ci < c; ci++) {
      const g = Math.floor(ci / cPerGroup);
      for (let j = 0; j < mPerGroup; j++) {
        const s = scale[g * mPerGroup + j];
        const base = (ci * mPerGroup + j) * inner;
        for (let k = 0; k < inner; k++) wData[base + k] *= s;
      }
    }
  }
  const newBias = new Float32Array(m);
  for (let o = 0; o < m; o++) newBias[o] = biasData[o] * scale[o] + shift[o];

  const wName = ctx.freshName(`${conv.inputs[1]}_bn`);
  const bName = ctx.freshName(`${conv.name}_bn_bias`);
  ctx.graph.initializers.set(wName, { type: 'float32', dims: w.dims.slice(), data: wData });
  ctx.graph.initializers.set(bName, { type: 'float32', dims: [m], data: newBias });
  conv.inputs = [conv.inputs[0], wName, bName, ...conv.inputs.slice(3)];
  return true;
}

/** Folds into Gemm (Y = alpha*A*B + beta*C, BN over axis 1 = N). */
function foldIntoGemm(ctx: FusionContext, gemm: Node, scale: Float32Array, shift: Float32Array): boolean {
  const b = ctx.constant(gemm.inputs[1]);
  if (!b || b.dims.length !== 2) return false;
  const bData = floatData(b);
  if (!bData) return false;
  const transB = attrNumber(gemm, 'transB', 0) !== 0;
  const [rows, cols] = b.dims;
  const n = transB ? rows : cols;
  if (n !== scale.length) return false;
  const alpha = attrNumber(gemm, 'alpha', 1);
  const beta = attrNumber(gemm, 'beta', 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) bData[r * cols + c] *= alpha * scale[transB ? r : c];
  }
  const cName = gemm.inputs[2] ?? '';
  const cTensor = cName ? ctx.constant(cName) : undefined;
  if (cName && !cTensor) return false;
  const cData = cTensor ? floatData(cTensor) : new Float32Array(1);
  if (!cData) return false;
  let newC: Float32Array;
  let newDims: number[];
  const cDims = cTensor ? cTensor.dims : [];
  const perColumn = cData.length === 1 || cData.length === n && (cDims.length === 1 || cDims[0] === 1);
  if (perColumn) {
    newC = new Float32Array(n);
    for (let j = 0; j < n; j++) newC[j] = beta * cData[cData.length === 1 ? 0 : j] * scale[j] + shift[j];
    newDims = [n];
  } else if (cDims.length === 2 && cDims[1] === n) {
    newC = new Float32Array(cData.length);
    for (let i = 0; i < cData.length; i++) newC[i] = beta * cData[i] * scale[i % n] + shift[i % n];
    newDims = cDims.slice();
  } else {
    return false;
  }
  const bName = ctx.freshName(`${gemm.inputs[1]}_bn`);
  const newCName = ctx.freshName(`${gemm.name}_bn_bias`);
  ctx.graph.initializers.set(bName, { type: 'float32', dims: b.dims.slice(), data: bData });
  ctx.graph.initializers.set(newCName, { type: 'float32', dims: newDims, data: newC });
  gemm.inputs = [gemm.inputs[0], bName, newCName, ...gemm.inputs.slice(3)];
  gemm.attrs = { ...gemm.attrs, alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 } };
  return true;
}

/** Rewrites `Conv|ConvTranspose|Gemm → BatchNormalization` into one node; other BNs stay. Mutates and returns `g`. */
export function foldBatchNorms(g: Graph): Graph {
  const ctx = new FusionContext(g);
  for (const bn of g.nodes) {
    if (bn.opType !== 'BatchNormalization' || bn.domain !== '' || ctx.removed.has(bn)) continue;
    if (bn.outputs.filter((o) => o).length !== 1) continue; // training-mode outputs
    if (attrNumber(bn, 'spatial', 1) !== 1 || attrNumber(bn, 'training_mode', 0) !== 0) continue;
    const producer = ctx.producerOf(bn.inputs[0], ['Conv', 'ConvTranspose', 'Gemm']);
    if (!producer || hasEpilogue(producer) || !ctx.isPrivate(bn.inputs[0])) continue;
    const affine = bnAffine(ctx, bn);
    if (!affine) continue;
    const ok =
      producer.opType === 'Gemm'
        ? foldIntoGemm(ctx, producer, affine.scale, affine.shift)
        : foldIntoConv(ctx, producer, affine.scale, affine.shift);
    if (!ok) continue;
    producer.outputs = [bn.outputs[0]];
    ctx.remove(bn);
  }
  ctx.commit();
  return g;
}
