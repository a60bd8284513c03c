/** Magnitude pruning without data: zero the smallest weights, per layer (a share of each layer) or globally (one threshold). */

/** The |w| below which `ratio` of all the given weights lie (the count-th smallest magnitude). */
export function magnitudeThreshold(matrices: ReadonlyArray<Float64Array>, ratio: number): number {
  let n = 0;
  for (const m of matrices) n += m.length;
  const all = new Float64Array(n);
  let at = 0;
  for (const m of matrices) for (let i = 0; i < m.length; i++) all[at++] = Math.abs(m[i]);
  all.sort();
  const count = Math.round(n * ratio);
  return count === 0 ? -1 : all[count - 1];
}

/**
 * Zeros exactly round(n * ratio) of the n weights of one layer (all its group matrices together), smallest magnitude
 * first, ties to the earlier weight.
 */
export function pruneLayerByMagnitude(matrices: Float64Array[], ratio: number): void {
  const entries: Array<[number, number]> = [];
  matrices.forEach((m, g) => {
    for (let i = 0; i < m.length; i++) entries.push([g, i]);
  });
  const mag = (e: [number, number]) => Math.abs(matrices[e[0]][e[1]]);
  entries.sort((a, b) => mag(a) - mag(b) || a[0] - b[0] || a[1] - b[1]);
  const count = Math.round(entries.length * ratio);
  for (let i = 0; i < count; i++) matrices[entries[i][0]][entries[i][1]] = 0;
}

/** Zeros every weight whose magnitude is at most `threshold` (global magnitude pruning). */
export function pruneBelowThreshold(matrices: Float64Array[], threshold: number): void {
  for (const m of matrices) for (let i = 0; i < m.length; i++) if (Math.abs(m[i]) <= threshold) m[i] = 0;
}
