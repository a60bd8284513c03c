/** Gram matrices XᵀX accumulated a few rows at a time; calibration activations arrive one sample at a time and X is never stored whole. */

/** Output rows of G updated per pass over the input rows: a 32 x K slab of G stays in cache while the rows stream by. */
const SLAB = 32;

/**
 * G += Σ_r x_r x_rᵀ over the `rows` rows of X (rows x k, row-major, rows `stride` apart), upper triangle only (call
 * symmetrizeUpper once at the end). Zero entries are skipped: inputs after ReLU are largely zeros.
 */
export function accumulateGramUpper(g: Float64Array, k: number, x: ArrayLike<number>, rows: number, stride = k, offset = 0): void {
  for (let i0 = 0; i0 < k; i0 += SLAB) {
    const i1 = Math.min(k, i0 + SLAB);
    for (let r = 0; r < rows; r++) {
      const base = offset + r * stride;
      for (let i = i0; i < i1; i++) {
        const xi = x[base + i];
        if (xi === 0) continue;
        const gi = i * k;
        for (let j = i; j < k; j++) g[gi + j] += xi * x[base + j];
      }
    }
  }
}

/** Copies the upper triangle of the k x k matrix `g` onto its lower triangle. */
export function symmetrizeUpper(g: Float64Array, k: number): void {
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) g[j * k + i] = g[i * k + j];
}

/** C = A B for A (m x k) and B (k x n), row-major. */
export function multiply(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const bp = p * n;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
    }
  }
  return c;
}
