/** Cholesky factorization of a symmetric positive definite matrix (dense, row-major Float64Array), A = L Lᵀ. */

/**
 * The lower factor L of A = L Lᵀ (n x n row-major; only the lower triangle of `a` is read), or undefined when a pivot
 * is not positive (A is not positive definite to working precision). `a` is not modified.
 */
export function tryCholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j];
    for (let k = 0; k < j; k++) d -= l[rowJ + k] * l[rowJ + k];
    if (!(d > 0)) return undefined;
    const ljj = Math.sqrt(d);
    l[rowJ + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= l[rowI + k] * l[rowJ + k];
      l[rowI + j] = s * inv;
    }
  }
  return l;
}

/**
 * The lower factor L of A = L Lᵀ.
 * @throws RangeError when A is not positive definite.
 */
export function cholesky(a: Float64Array, n: number, name = 'the matrix'): Float64Array {
  checkSquare(a, n, name);
  const l = tryCholesky(a, n);
  if (!l) throw new RangeError(`Expected a symmetric positive definite matrix for ${name} but received one with a non-positive pivot`);
  return l;
}

/** @throws RangeError when `a` does not hold n x n values. */
export function checkSquare(a: Float64Array, n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n) {
    throw new RangeError(`Expected ${n} x ${n} = ${n * n} values for ${name} but received ${a.length}`);
  }
}
