/** 2:4 masks along K: in every group of 4 consecutive K entries of a row, at most 2 are non-zero. */

/**
 * Within one group (entries start .. start+length-1 of `scores`), the positions to prune: the length-2 lowest
 * scores (none for groups of 2 or fewer). Ties go to the earlier position.
 */
export function sparse24Pruned(scores: ArrayLike<number>, start: number, length: number): number[] {
  const prune = length - 2;
  if (prune <= 0) return [];
  const order = Array.from({ length }, (_, i) => start + i);
  order.sort((a, b) => scores[a] - scores[b] || a - b);
  return order.slice(0, prune);
}

/** Zeros, in every row of a rows x K matrix, the 2 smallest-magnitude weights of each 2:4 group. */
export function applySparse24Magnitude(w: Float64Array, rows: number, k: number, groups: ReadonlyArray<readonly [number, number]>): void {
  const scores = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const row = r * k;
    for (let j = 0; j < k; j++) scores[j] = Math.abs(w[row + j]);
    for (const [start, length] of groups) for (const j of sparse24Pruned(scores, start, length)) w[row + j] = 0;
  }
}

/** How many (row, group) pairs of a rows x K matrix hold more than 2 non-zeros (0 when the matrix is 2:4). */
export function sparse24Violations(w: ArrayLike<number>, rows: number, k: number, groups: ReadonlyArray<readonly [number, number]>): number {
  let bad = 0;
  for (let r = 0; r < rows; r++) {
    for (const [start, length] of groups) {
      let nonZero = 0;
      for (let j = start; j < start + length; j++) if (w[r * k + j] !== 0) nonZero++;
      if (nonZero > 2) bad++;
    }
  }
  return bad;
}
