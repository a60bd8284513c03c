/** Solving and inverting symmetric positive definite systems through their Cholesky factor (normal equations, OBS). */
import { checkSquare, cholesky, tryCholesky } from './cholesky';
import { invertLower, solveLower, solveLowerTransposed } from './triangular-solve';

/**
 * X with A X = B for symmetric positive definite A (n x n) and B (n x nrhs), both row-major.
 * @throws RangeError when A is not positive definite or the sizes do not match.
 */
export function solveSpd(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  if (b.length !== n * nrhs) throw new RangeError(`Expected ${n} x ${nrhs} = ${n * nrhs} values for the right-hand side but received ${b.length}`);
  return solveWithCholesky(cholesky(a, n, 'the system matrix'), n, b, nrhs);
}

/** X with (L Lᵀ) X = B, given the lower Cholesky factor L (n x n) and B (n x nrhs). */
export function solveWithCholesky(l: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  return solveLowerTransposed(l, n, solveLower(l, n, b, nrhs), nrhs);
}

/** A⁻¹ from the lower Cholesky factor L of A: (L Lᵀ)⁻¹ = L⁻ᵀ L⁻¹, symmetric. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  const li = invertLower(l, n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i] * li[k * n + j];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * A⁻¹ for symmetric positive definite A (n x n row-major).
 * @throws RangeError when A is not positive definite.
 */
export function invertSpd(a: Float64Array, n: number): Float64Array {
  return inverseFromCholesky(cholesky(a, n, 'the matrix to invert'), n);
}

/**
 * A + λ·mean(diag A)·I, growing λ tenfold (from `relativeDamping`) until the Cholesky factorization succeeds; for
 * Gram matrices X Xᵀ of calibration data, which are often singular (dead inputs, fewer samples than columns).
 * Returns the damped matrix and its lower factor.
 */
export function dampedCholesky(a: Float64Array, n: number, relativeDamping: number): { damped: Float64Array; l: Float64Array } {
  checkSquare(a, n, 'the matrix to factor');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i];
  mean = n > 0 ? mean / n : 0;
  if (!(mean > 0)) mean = 1;
  for (let lambda = relativeDamping, tries = 0; tries < 12; lambda = lambda > 0 ? lambda * 10 : 1e-8, tries++) {
    const damped = Float64Array.from(a);
    for (let i = 0; i < n; i++) damped[i * n + i] += lambda * mean;
    const l = tryCholesky(damped, n);
    if (l) return { damped, l };
  }
  throw new RangeError('Expected a matrix that damping makes positive definite for the Gram matrix but received one with non-finite values');
}
