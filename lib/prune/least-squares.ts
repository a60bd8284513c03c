/** Ridge least squares through the normal equations: accumulate XᵀX and XᵀY row by row, solve (XᵀX + λI) W = XᵀY by Cholesky (lib/linalg). */
import { symmetrizeUpper } from '../linalg/gram';
import { dampedCholesky } from '../linalg/spd-solve';
import { solveLower, solveLowerTransposed } from '../linalg/triangular-solve';

/** Normal equations of a least-squares problem with `n` unknowns per output and `m` outputs, accumulated in float64. */
export class NormalEquations {
  /** Upper triangle of XᵀX, n x n row-major. */
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
   * W (n x m row-major) minimising ‖XW − Y‖² + λ‖W‖² with λ = `damping` × mean(diag XᵀX), grown tenfold until the
   * matrix factors (a rank-deficient XᵀX, e.g. a channel that is always zero).
   */
  solve(damping = 1e-4): Float64Array {
    const a = Float64Array.from(this.xtx);
    symmetrizeUpper(a, this.n);
    const { l } = dampedCholesky(a, this.n, damping);
    return solveLowerTransposed(l, this.n, solveLower(l, this.n, this.xty, this.m), this.m);
  }
}
