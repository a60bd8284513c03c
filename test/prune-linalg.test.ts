/** lib/linalg: Cholesky, triangular solves, SPD solve/inverse and Gram accumulation against hand-computed and independently checked values. */
import { cholesky, tryCholesky } from '../lib/linalg/cholesky';
import { dampedCholesky, invertSpd, solveSpd } from '../lib/linalg/spd-solve';
import { invertLower, solveLower, solveLowerTransposed } from '../lib/linalg/triangular-solve';
import { accumulateGramUpper, multiply, symmetrizeUpper } from '../lib/linalg/gram';

/** Deterministic pseudo-random numbers in [-1, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function transpose(a: Float64Array, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** B Bᵀ + n·I: symmetric positive definite. */
function randomSpd(n: number, seed: number): Float64Array {
  const rnd = random(seed);
  const b = Float64Array.from({ length: n * n }, rnd);
  const a = multiply(b, transpose(b, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] += n;
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('cholesky', () => {
  test('matches the textbook 3 x 3 example', () => {
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(Array.from(cholesky(a, 3))).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  });

  test('L Lᵀ reproduces random SPD matrices', () => {
    for (const n of [1, 2, 5, 17, 64]) {
      const a = randomSpd(n, n);
      const l = cholesky(a, n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
      expect(maxAbsDiff(multiply(l, transpose(l, n, n), n, n, n), a)).toBeLessThan(1e-9 * n);
    }
  });

  test('refuses matrices that are not positive definite', () => {
    const a = Float64Array.from([1, 2, 2, 1]);
    expect(tryCholesky(a, 2)).toBeUndefined();
    expect(() => cholesky(a, 2)).toThrow('Expected a symmetric positive definite matrix for the matrix but received one with a non-positive pivot');
    expect(() => cholesky(new Float64Array(5), 2)).toThrow('Expected 2 x 2 = 4 values for the matrix but received 5');
  });

  test('damping makes a singular Gram matrix factorable and adds λ·mean(diag)', () => {
    // Rank 1: [1 2; 2 4], mean diagonal 2.5.
    const a = Float64Array.from([1, 2, 2, 4]);
    expect(tryCholesky(a, 2)).toBeUndefined();
    const { damped, l } = dampedCholesky(a, 2, 0.01);
    expect(Array.from(damped)).toEqual([1.025, 2, 2, 4.025]);
    expect(maxAbsDiff(multiply(l, transpose(l, 2, 2), 2, 2, 2), damped)).toBeLessThan(1e-12);
  });
});

describe('triangular solves', () => {
  const l = Float64Array.from([2, 0, 0, 6, 1, 0, -8, 5, 3]);
  test('forward substitution', () => {
    // L [1 2 3]ᵀ = [2, 8, 11]
    expect(Array.from(solveLower(l, 3, Float64Array.from([2, 8, 11]), 1))).toEqual([1, 2, 3]);
  });
  test('back substitution with Lᵀ', () => {
    const b = Float64Array.from([1, 0, 0, 1, 2, -1]); // 3 x 2
    const x = solveLowerTransposed(l, 3, b, 2);
    expect(maxAbsDiff(multiply(transpose(l, 3, 3), x, 3, 3, 2), b)).toBeLessThan(1e-12);
  });

  test('the inverse of a lower factor', () => {
    // L⁻¹ of [2 0 0; 6 1 0; -8 5 3] worked out by hand.
    const expected = [0.5, 0, 0, -3, 1, 0, 19 / 3, -5 / 3, 1 / 3];
    expect(maxAbsDiff(invertLower(l, 3), expected)).toBeLessThan(1e-14);
  });
});

describe('SPD solve and inverse', () => {
  test('the textbook example inverse', () => {
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    // Inverse computed by hand from the adjugate (det = 36).
    const expected = [49.36111111111111, -13.555555555555555, 2.1111111111111111, -13.555555555555555, 3.7777777777777777, -0.5555555555555556, 2.1111111111111111, -0.5555555555555556, 0.1111111111111111];
    expect(maxAbsDiff(invertSpd(a, 3), expected)).toBeLessThan(1e-10);
  });

  test('A A⁻¹ = I and A X = B on random systems', () => {
    for (const n of [3, 20, 90]) {
      const a = randomSpd(n, 100 + n);
      const inv = invertSpd(a, n);
      const eye = multiply(a, inv, n, n, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(eye[i * n + j] - (i === j ? 1 : 0))).toBeLessThan(1e-10);
      const rnd = random(7);
      const b = Float64Array.from({ length: n * 4 }, rnd);
      const x = solveSpd(a, n, b, 4);
      expect(maxAbsDiff(multiply(a, x, n, n, 4), b)).toBeLessThan(1e-10);
    }
  });
});

describe('Gram accumulation', () => {
  test('row-by-row XᵀX equals the product of X with its transpose', () => {
    const rows = 13;
    const k = 7;
    const rnd = random(3);
    const x = Float64Array.from({ length: rows * k }, () => (rnd() > 0.3 ? rnd() : 0));
    const g = new Float64Array(k * k);
    accumulateGramUpper(g, k, x, 6);
    accumulateGramUpper(g, k, x, rows - 6, k, 6 * k);
    symmetrizeUpper(g, k);
    expect(maxAbsDiff(g, multiply(transpose(x, rows, k), x, k, rows, k))).toBeLessThan(1e-12);
  });
});
