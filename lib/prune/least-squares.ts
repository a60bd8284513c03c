/** Ridge least squares through the normal equations: accumulate XᵀX and XᵀY row by row, solve (XᵀX + λI) W = XᵀY by Cholesky. */

/** Normal equations of a least-squares problem with `n` unknowns per output and `m` outputs, accumulated in float64. */
export class NormalEquations {
  /** Upper triangle of XᵀX, n x n row-major (the lower triangle is filled by solve). */
  readonly xtx: Float64Array;
  /** XᵀY, n x m row-major. */
  readonly xty: Float64Array;
  rows = 0;

  constructor(readonly n: number, readonly m: number) {
    this.xtx = new Float64Array(n * n);
    this.xty = new Float64Array(n * m);
  }

  /** Adds one row x (length n) with its targets y (length m). */
  add(x: ArrayLike<number>, y: ArrayLike<number>): void {
    const { n, m, xtx, xty } = this;
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      if (xi === 0) continue; // activations after ReLU are mostly zeros
      const row = i * n;
      for (let j = i; j < n; j++) xtx[row + j] += xi * x[j];
      const out = i * m;
      for (let k = 0; k < m; k++) xty[out + k] += xi * y[k];
    }
    this.rows++;
  }

  /**
   * W (n x m row-major) minimising ‖XW − Y‖² + λ‖W‖² with λ = `damping` × mean(diag XᵀX); the damping grows tenfold
   * until the matrix factors (a rank-deficient XᵀX, e.g. a channel that is always zero).
   */
  solve(damping = 1e-4): Float64Array {
    const { n, m } = this;
    let trace = 0;
    for (let i = 0; i < n; i++) trace += this.xtx[i * n + i];
    const base = trace > 0 ? trace / n : 1;
    for (let lambda = damping * base; ; lambda *= 10) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) {
          a[i * n + j] = this.xtx[i * n + j];
          a[j * n + i] = this.xtx[i * n + j];
        }
        a[i * n + i] += lambda;
      }
      if (!choleskyFactor(a, n)) continue;
      const w = Float64Array.from(this.xty);
      choleskySolve(a, n, w, m);
      return w;
    }
  }
}

/** In place: the lower triangle of `a` (n x n) becomes L with A = LLᵀ. Returns false when A is not positive definite. */
export function choleskyFactor(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j];
    for (let k = 0; k < j; k++) d -= a[rowJ + k] * a[rowJ + k];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
      a[rowI + j] = s / ljj;
    }
  }
  return true;
}

/** In place: b (n x m row-major) becomes A⁻¹b given the factor L of A from choleskyFactor. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): void {
  // L z = b (forward), then Lᵀ x = z (backward), all m columns at once.
  for (let i = 0; i < n; i++) {
    const rowI = i * n;
    for (let k = 0; k < i; k++) {
      const lik = l[rowI + k];
      if (lik === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c] -= lik * b[k * m + c];
    }
    const d = l[rowI + i];
    for (let c = 0; c < m; c++) b[i * m + c] /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki === 0) continue;
      for (let c = 0; c < m; c++) b[i * m + c] -= lki * b[k * m + c];
    }
    const d = l[i * n + i];
    for (let c = 0; c < m; c++) b[i * m + c] /= d;
  }
}
