/** Forward and back substitution with a lower-triangular factor (row-major Float64Array), for many right-hand sides at once. */

/** X with L X = B: L is n x n lower triangular, B is n x nrhs row-major. Returns a new array. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const xi = i * nrhs;
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      if (lik === 0) continue;
      const xk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[xi + c] -= lik * x[xk + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
  }
  return x;
}

/** X with Lᵀ X = B (back substitution with the transpose of a lower factor). Returns a new array. */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * nrhs;
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki === 0) continue;
      const xk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[xi + c] -= lki * x[xk + c];
    }
    const inv = 1 / l[i * n + i];
    for (let c = 0; c < nrhs; c++) x[xi + c] *= inv;
  }
  return x;
}

/** L⁻¹ of an n x n lower-triangular L (also lower triangular); only the lower triangles are touched, n³/6 multiply-adds. */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    inv[row + i] = 1 / l[row + i];
    // Row i of L⁻¹: (L⁻¹)_ij = -(Σ_{k=j}^{i-1} L_ik (L⁻¹)_kj) / L_ii.
    for (let k = 0; k < i; k++) {
      const lik = l[row + k];
      if (lik === 0) continue;
      const rowK = k * n;
      for (let j = 0; j <= k; j++) inv[row + j] -= lik * inv[rowK + j];
    }
    const d = inv[row + i];
    for (let j = 0; j < i; j++) inv[row + j] *= d;
  }
  return inv;
}
