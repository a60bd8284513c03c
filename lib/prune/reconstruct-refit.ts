/**
 * The dense re-fit before OBS pruning: W' = W·C·H⁻¹ minimises ‖W·Xd − W'·Xp‖² (C = XdᵀXp, H = XpᵀXp), so each layer
 * also absorbs the error its pruned upstream layers left in its inputs, not only its own pruning error.
 */
import { dampedCholesky, solveWithCholesky } from '../linalg/spd-solve';

/**
 * Replaces w (rows x n, row-major) by the ridge solution argmin ‖W·Xd − W'·Xp‖² + λ‖W' − W‖², i.e.
 * W' = W (C + λI)(H + λI)⁻¹ with λ = damping·mean(diag H); equals W when Xd = Xp.
 */
export function refitToDenseTargets(w: Float64Array, rows: number, n: number, h: Float64Array, c: Float64Array, damping: number): void {
  const { damped, l } = dampedCholesky(h, n, damping);
  const lambda = damped[0] - h[0];
  // B = (C + λI)ᵀ Wᵀ, n x rows.
  const b = new Float64Array(n * rows);
  for (let r = 0; r < rows; r++) {
    const row = r * n;
    for (let i = 0; i < n; i++) {
      const wi = w[row + i];
      if (wi === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) b[j * rows + r] += c[ci + j] * wi;
      b[i * rows + r] += lambda * wi;
    }
  }
  const x = solveWithCholesky(l, n, b, rows);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) w[r * n + j] = x[j * rows + r];
}
