/** Reference data-movement ops for constant folding: Gather, Concat, Slice, Transpose (relabelling ops just reuse data). */
import { ModelFormatError } from '../../errors';
import type { TensorValue } from '../graph';
import { toNumbers } from '../tensor-values';
import { newTensor, stridedIndices, stridesOf, gatherElements } from './element-access';

export function evaluateGather(data: TensorValue, indices: TensorValue, axis: number, outDims: number[], nodeName: string): TensorValue {
  const idx = toNumbers(indices);
  const axisDim = data.dims[axis];
  const outer = data.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = data.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const src: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const raw of idx) {
      if (raw < -axisDim || raw >= axisDim) {
        throw new ModelFormatError(`Gather node '${nodeName}': index ${raw} is out of range for axis ${axis} of size ${axisDim}`);
      }
      const k = raw < 0 ? raw + axisDim : raw;
      const base = (o * axisDim + k) * inner;
      for (let i = 0; i < inner; i++) src.push(base + i);
    }
  }
  return gatherElements(data, outDims, src);
}

export function evaluateConcat(inputs: TensorValue[], axis: number, outDims: number[]): TensorValue {
  const out = newTensor(inputs[0].type, outDims);
  const outer = outDims.slice(0, axis).reduce((a, b) => a * b, 1);
  const d = out.data as unknown as unknown[];
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of inputs) {
      const chunk = t.dims.slice(axis).reduce((a, b) => a * b, 1);
      const s = t.data as ArrayLike<unknown>;
      for (let i = 0; i < chunk; i++) d[at++] = s[o * chunk + i];
    }
  }
  return out;
}

export function evaluateSlice(x: TensorValue, starts: number[], steps: number[], counts: number[]): TensorValue {
  const inStrides = stridesOf(x.dims);
  const base = starts.reduce((acc, s, i) => acc + s * inStrides[i], 0);
  const strides = steps.map((s, i) => s * inStrides[i]);
  return gatherElements(x, counts, stridedIndices(counts, strides, base));
}

export function evaluateTranspose(x: TensorValue, perm: number[]): TensorValue {
  const inStrides = stridesOf(x.dims);
  const outDims = perm.map((p) => x.dims[p]);
  return gatherElements(x, outDims, stridedIndices(outDims, perm.map((p) => inStrides[p])));
}

/** Reshape, Flatten, Squeeze, Unsqueeze, Identity: the same elements under new dims (data shared, never written). */
export function relabel(x: TensorValue, outDims: number[]): TensorValue {
  return { type: x.type, dims: outDims, data: x.data };
}
