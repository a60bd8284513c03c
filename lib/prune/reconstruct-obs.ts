/**
 * SparseGPT-style pruning of one weight matrix with optimal-brain-surgeon updates: columns are pruned left to right
 * in blocks, and each pruned weight's error is spread over the not-yet-processed weights of its row through the
 * upper Cholesky factor of H⁻¹, which minimises ‖WX − ŴX‖² for H = 2XᵀX.
 */
import { dampedCholesky } from '../linalg/spd-solve';
import { invertLower } from '../linalg/triangular-solve';
import { sparse24Pruned } from './sparse24-mask';

export type ObsPattern = { kind: '2:4'; groups: ReadonlyArray<readonly [number, number]> } | { kind: 'unstructured'; ratio: number };

export interface ObsSettings {
  /** λ of H + λ·mean(diag H)·I. */
  damping: number;
  /** Columns per block (rounded to whole 2:4 groups). */
  blockSize: number;
}

/**
 * U upper triangular with UᵀU = H⁻¹ (row-major), H damped. With J the reversal permutation and JHJ = L'L'ᵀ,
 * H⁻¹ = (J L'⁻¹ J)ᵀ (J L'⁻¹ J) and J L'⁻¹ J is upper triangular: one Cholesky and one triangular inverse.
 */
export function inverseHessianFactor(h: Float64Array, k: number, damping: number): Float64Array {
  const reversed = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) reversed[(k - 1 - i) * k + (k - 1 - j)] = h[i * k + j];
  const inverse = invertLower(dampedCholesky(reversed, k, damping).l, k);
  const u = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) u[i * k + j] = inverse[(k - 1 - i) * k + (k - 1 - j)];
  return u;
}

/** Block boundaries over [0, k): about blockSize columns each, never splitting a 2:4 group. */
function columnBlocks(k: number, pattern: ObsPattern, blockSize: number): number[] {
  const bounds = [0];
  if (pattern.kind === 'unstructured') {
    for (let i = blockSize; i < k; i += blockSize) bounds.push(i);
  } else {
    let start = 0;
    for (const [groupStart, length] of pattern.groups) {
      if (groupStart + length - start >= blockSize && groupStart + length < k) {
        bounds.push(groupStart + length);
        start = groupStart + length;
      }
    }
  }
  bounds.push(k);
  return bounds;
}

/**
 * Prunes w (rows x k, row-major, K order) in place to `pattern`, updating the kept weights; h is the k x k input
 * Hessian 2XᵀX/n (not modified). Only the first `prunable` columns are pruned (later ones, such as a bias column,
 * only absorb updates). Inputs that never fire (zero diagonal) get their weights zeroed.
 */
export function obsPrune(w: Float64Array, rows: number, k: number, hessian: Float64Array, pattern: ObsPattern, settings: ObsSettings, prunable = k): void {
  const h = Float64Array.from(hessian);
  for (let i = 0; i < k; i++) {
    if (h[i * k + i] !== 0) continue;
    h[i * k + i] = 1;
    for (let r = 0; r < rows; r++) w[r * k + i] = 0;
  }
  const u = inverseHessianFactor(h, k, settings.damping);
  const diag = new Float64Array(k);
  for (let i = 0; i < k; i++) diag[i] = u[i * k + i];
  const score = (r: number, j: number) => (w[r * k + j] * w[r * k + j]) / (diag[j] * diag[j]);
  const groupStarts = new Map<number, number>();
  if (pattern.kind === '2:4') for (const [start, length] of pattern.groups) groupStarts.set(start, length);

  const bounds = columnBlocks(k, pattern, settings.blockSize);
  const rowScores = new Float64Array(k);
  for (let b = 0; b + 1 < bounds.length; b++) {
    const i1 = bounds[b];
    const i2 = bounds[b + 1];
    const width = i2 - i1;
    const pruned = new Uint8Array(rows * width);
    if (pattern.kind === 'unstructured') {
      // The lowest-saliency share of the whole block (all rows), as SparseGPT chooses it.
      const columns = Math.max(0, Math.min(i2, prunable) - i1);
      const order = Array.from({ length: rows * columns }, (_, i) => Math.floor(i / columns) * width + (i % columns));
      const s = new Float64Array(rows * width);
      for (const i of order) s[i] = score(Math.floor(i / width), i1 + (i % width));
      order.sort((x, y) => s[x] - s[y] || x - y);
      const count = Math.round(rows * columns * pattern.ratio);
      for (let i = 0; i < count; i++) pruned[order[i]] = 1;
    }
    const err = new Float64Array(width);
    for (let r = 0; r < rows; r++) {
      const row = r * k;
      const mask = r * width - i1;
      for (let i = i1; i < i2; i++) {
        const length = groupStarts.get(i);
        if (length !== undefined) {
          for (let j = i; j < i + length; j++) rowScores[j] = score(r, j);
          for (const j of sparse24Pruned(rowScores, i, length)) pruned[mask + j] = 1;
        }
        const value = w[row + i];
        const e = pruned[mask + i] ? value / diag[i] : 0;
        err[i - i1] = e;
        if (e === 0) continue;
        w[row + i] = 0;
        const ui = i * k;
        for (let j = i + 1; j < i2; j++) w[row + j] -= e * u[ui + j];
      }
      // The block's errors reach the rest of the row in one pass: W[r, i2:] -= err · U[i1:i2, i2:].
      for (let i = i1; i < i2; i++) {
        const e = err[i - i1];
        if (e === 0) continue;
        const ui = i * k;
        for (let j = i2; j < k; j++) w[row + j] -= e * u[ui + j];
      }
    }
  }
}
