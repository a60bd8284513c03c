/**
 * The pieces of weight pruning without a model: K order of conv weights and im2col rows (against a direct conv),
 * 2:4 groups and magnitude masks, the OBS pruning step (against the closed-form least-squares solution and against
 * magnitude pruning on the same data) and the dense-target re-fit.
 */
import type { Graph, Node } from '../lib/ir/graph';
import { multiply } from '../lib/linalg/gram';
import { invertSpd, solveSpd } from '../lib/linalg/spd-solve';
import { im2col } from '../lib/prune/layer-inputs';
import { pruneLayerByMagnitude } from '../lib/prune/magnitude-prune';
import { PrunableLayer, describeLayer, readWeightMatrices, sparse24Groups, writeWeightMatrices } from '../lib/prune/prunable-layers';
import { inverseHessianFactor, obsPrune } from '../lib/prune/reconstruct-obs';
import { refitToDenseTargets } from '../lib/prune/reconstruct-refit';
import { applySparse24Magnitude, sparse24Violations } from '../lib/prune/sparse24-mask';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

function convGraph(w: Float32Array, dims: number[], attrs: Node['attrs']): { graph: Graph; node: Node } {
  const node: Node = { name: 'conv', opType: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs };
  const graph: Graph = {
    name: 'g',
    nodes: [node],
    inputs: [{ name: 'x', type: 'float32', shape: [] }],
    outputs: [{ name: 'y', type: 'float32', shape: [] }],
    initializers: new Map([['w', { type: 'float32', dims, data: w }]]),
    valueInfo: new Map(),
    opset: 17,
    otherOpsets: {},
    producer: 'test',
    irVersion: 8,
  };
  return { graph, node };
}

/** ‖(W − W')Xᵀ‖² for W, W' rows x k and X n x k. */
function outputError(w: Float64Array, pruned: Float64Array, x: Float64Array, rows: number, k: number, n: number): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < n; s++) {
      let d = 0;
      for (let j = 0; j < k; j++) d += (w[r * k + j] - pruned[r * k + j]) * x[s * k + j];
      sum += d * d;
    }
  }
  return sum;
}

/** n x k inputs with correlated columns (as activations are), H = 2XᵀX/n. */
function correlatedInputs(n: number, k: number, seed: number): { x: Float64Array; h: Float64Array } {
  const rnd = random(seed);
  const base = Float64Array.from({ length: n * 4 }, rnd);
  const mix = Float64Array.from({ length: 4 * k }, rnd);
  const x = multiply(base, mix, n, 4, k);
  for (let i = 0; i < x.length; i++) x[i] += 0.3 * rnd();
  const xt = new Float64Array(k * n);
  for (let s = 0; s < n; s++) for (let j = 0; j < k; j++) xt[j * n + s] = x[s * k + j];
  const h = multiply(xt, x, k, n, k).map((v) => (2 * v) / n);
  return { x, h };
}

describe('conv weights in K order', () => {
  // W [M=2, C=6, KH=1, KW=2]: K = (tap, channel), channel fastest.
  const w = Float32Array.from({ length: 24 }, (_, i) => i + 1);
  const { graph, node } = convGraph(w, [2, 6, 1, 2], {});
  const layer = describeLayer(graph, node, new Map()) as PrunableLayer;

  test('matrix[m][tap * C + c] = W[m, c, tap]', () => {
    const [m] = readWeightMatrices(layer, w);
    for (let r = 0; r < 2; r++) for (let c = 0; c < 6; c++) for (let t = 0; t < 2; t++) expect(m[r * 12 + t * 6 + c]).toBe(w[(r * 6 + c) * 2 + t]);
    expect(Array.from(writeWeightMatrices(layer, [m], 24))).toEqual(Array.from(w));
  });

  test('2:4 groups are 4 channels at one tap, the ragged rest of a tap its own group', () => {
    expect(sparse24Groups(layer)).toEqual([
      [0, 4],
      [4, 2],
      [6, 4],
      [10, 2],
    ]);
  });

  test('im2col rows times the K-order matrix equal a direct convolution', () => {
    const rnd = random(11);
    const [n, c, h, wd, m, kh, kw] = [2, 5, 6, 7, 3, 3, 2];
    const weights = Float32Array.from({ length: m * c * kh * kw }, rnd);
    const input = Float32Array.from({ length: n * c * h * wd }, rnd);
    const strides = [2, 1];
    const dilations = [1, 2];
    const pads = [1, 0, 1, 1];
    const conv = convGraph(weights, [m, c, kh, kw], {
      strides: { kind: 'ints', value: strides },
      dilations: { kind: 'ints', value: dilations },
      pads: { kind: 'ints', value: pads },
    });
    const l = describeLayer(conv.graph, conv.node, new Map()) as PrunableLayer;
    const { rows, count } = im2col(input, [n, c, h, wd], l, 0);
    const [matrix] = readWeightMatrices(l, weights);
    const oh = Math.floor((h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0]) + 1;
    const ow = Math.floor((wd + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1]) + 1;
    expect(count).toBe(n * oh * ow);
    const k = c * kh * kw;
    for (let b = 0; b < n; b++) {
      for (let o = 0; o < m; o++) {
        for (let y = 0; y < oh; y++) {
          for (let x = 0; x < ow; x++) {
            let direct = 0;
            for (let ch = 0; ch < c; ch++) {
              for (let i = 0; i < kh; i++) {
                for (let j = 0; j < kw; j++) {
                  const iy = y * strides[0] - pads[0] + i * dilations[0];
                  const ix = x * strides[1] - pads[1] + j * dilations[1];
                  if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                  direct += weights[((o * c + ch) * kh + i) * kw + j] * input[((b * c + ch) * h + iy) * wd + ix];
                }
              }
            }
            const row = (b * oh + y) * ow + x;
            let viaRows = 0;
            for (let q = 0; q < k; q++) viaRows += rows[row * k + q] * matrix[o * k + q];
            expect(viaRows).toBeCloseTo(direct, 10);
          }
        }
      }
    }
  });
});

describe('other layer kinds in K order', () => {
  test('grouped conv: one matrix per group, im2col of its channels reproduces a direct grouped convolution', () => {
    const rnd = random(17);
    const [c, h, wd, m, groups] = [8, 5, 5, 4, 2];
    const cg = c / groups;
    const weights = Float32Array.from({ length: m * cg * 9 }, rnd);
    const input = Float32Array.from({ length: c * h * wd }, rnd);
    const conv = convGraph(weights, [m, cg, 3, 3], { group: { kind: 'int', value: groups }, pads: { kind: 'ints', value: [1, 1, 1, 1] } });
    const layer = describeLayer(conv.graph, conv.node, new Map()) as PrunableLayer;
    expect([layer.groups, layer.rows, layer.channels, layer.taps]).toEqual([2, 2, 4, 9]);
    const matrices = readWeightMatrices(layer, weights);
    for (let g = 0; g < groups; g++) {
      const { rows } = im2col(input, [1, c, h, wd], layer, g);
      for (let r = 0; r < layer.rows; r++) {
        const o = g * layer.rows + r;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < wd; x++) {
            let direct = 0;
            for (let ch = 0; ch < cg; ch++) {
              for (let i = 0; i < 3; i++) {
                for (let j = 0; j < 3; j++) {
                  const iy = y - 1 + i;
                  const ix = x - 1 + j;
                  if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                  direct += weights[((o * cg + ch) * 3 + i) * 3 + j] * input[((g * cg + ch) * h + iy) * wd + ix];
                }
              }
            }
            let viaRows = 0;
            for (let q = 0; q < 36; q++) viaRows += rows[(y * wd + x) * 36 + q] * matrices[g][r * 36 + q];
            expect(viaRows).toBeCloseTo(direct, 10);
          }
        }
      }
    }
    expect(Array.from(writeWeightMatrices(layer, matrices, weights.length))).toEqual(Array.from(weights));
  });

  test.each([
    ['Gemm transB=1 (W = [N, K])', 'Gemm', 1],
    ['Gemm transB=0 (W = [K, N])', 'Gemm', 0],
    ['MatMul (W = [K, N])', 'MatMul', 0],
  ])('%s: row n of the matrix is output n over K', (_, opType, transB) => {
    const [k, n] = [6, 3];
    const w = Float32Array.from({ length: k * n }, (_, i) => i);
    const dims = transB ? [n, k] : [k, n];
    const { graph, node } = convGraph(w, dims, opType === 'Gemm' ? { transB: { kind: 'int', value: transB } } : {});
    node.opType = opType;
    const layer = describeLayer(graph, node, new Map()) as PrunableLayer;
    expect([layer.rows, layer.channels, layer.taps]).toEqual([n, k, 1]);
    const [matrix] = readWeightMatrices(layer, w);
    for (let o = 0; o < n; o++) for (let q = 0; q < k; q++) expect(matrix[o * k + q]).toBe(transB ? w[o * k + q] : w[q * n + o]);
    expect(Array.from(writeWeightMatrices(layer, [matrix], w.length))).toEqual(Array.from(w));
  });
});

describe('magnitude masks', () => {
  test('2:4 keeps the 2 largest magnitudes of each group', () => {
    const w = Float64Array.from([0.1, -0.5, 0.3, 0.2, /* ragged */ 0.7, -0.1, /* next tap */ -0.9, 0.05, 0.06, 0.4, 0.01, 0.02]);
    applySparse24Magnitude(w, 1, 12, [
      [0, 4],
      [4, 2],
      [6, 4],
      [10, 2],
    ]);
    expect(Array.from(w)).toEqual([0, -0.5, 0.3, 0, 0.7, -0.1, -0.9, 0, 0, 0.4, 0.01, 0.02]);
  });

  test('unstructured zeroes exactly round(n·ratio) weights, the smallest', () => {
    const rnd = random(5);
    const a = Float64Array.from({ length: 30 }, rnd);
    const b = Float64Array.from({ length: 21 }, rnd);
    const magnitudes = [...a, ...b].map(Math.abs).sort((x, y) => x - y);
    pruneLayerByMagnitude([a, b], 0.3);
    const zeros = [...a, ...b].filter((v) => v === 0).length;
    expect(zeros).toBe(15);
    const kept = [...a, ...b].filter((v) => v !== 0).map(Math.abs);
    expect(Math.min(...kept)).toBe(magnitudes[15]);
  });
});

describe('OBS pruning', () => {
  test('the inverse-Hessian factor satisfies UᵀU = (H + λ·mean(diag)·I)⁻¹', () => {
    const { h } = correlatedInputs(60, 9, 3);
    const u = inverseHessianFactor(h, 9, 0.01);
    let mean = 0;
    for (let i = 0; i < 9; i++) mean += h[i * 9 + i] / 9;
    const damped = Float64Array.from(h);
    for (let i = 0; i < 9; i++) damped[i * 9 + i] += 0.01 * mean;
    const inverse = invertSpd(damped, 9);
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 9; j++) {
        if (j < i) expect(u[i * 9 + j]).toBe(0);
        let s = 0;
        for (let q = 0; q < 9; q++) s += u[q * 9 + i] * u[q * 9 + j];
        expect(s).toBeCloseTo(inverse[i * 9 + j], 8);
      }
    }
  });

  test('pruning one weight gives the least-squares optimum of the others', () => {
    const k = 6;
    const { h } = correlatedInputs(50, k, 8);
    const w = Float64Array.from([0.001, 0.8, -0.6, 0.4, 0.9, -0.7]);
    const pruned = Float64Array.from(w);
    obsPrune(pruned, 1, k, h, { kind: 'unstructured', ratio: 1 / 6 }, { damping: 0, blockSize: 128 });
    expect(pruned[0]).toBe(0);
    // Independent: minimise ‖(w − w')X‖ over w'_1..5 → H_RR w'_R = H_R: w.
    const r = 5;
    const hrr = new Float64Array(r * r);
    const rhs = new Float64Array(r);
    for (let i = 0; i < r; i++) {
      for (let j = 0; j < r; j++) hrr[i * r + j] = h[(i + 1) * k + j + 1];
      for (let j = 0; j < k; j++) rhs[i] += h[(i + 1) * k + j] * w[j];
    }
    const best = solveSpd(hrr, r, rhs, 1);
    for (let i = 0; i < r; i++) expect(pruned[i + 1]).toBeCloseTo(best[i], 8);
  });

  test('2:4 with OBS updates: valid mask, lower output error than magnitude and than its own mask without updates', () => {
    const [rows, k, n] = [8, 32, 400];
    const { x, h } = correlatedInputs(n, k, 21);
    const rnd = random(4);
    const w = Float64Array.from({ length: rows * k }, rnd);
    const groups = Array.from({ length: 8 }, (_, g) => [4 * g, 4] as [number, number]);
    const obs = Float64Array.from(w);
    obsPrune(obs, rows, k, h, { kind: '2:4', groups }, { damping: 0.01, blockSize: 16 });
    expect(sparse24Violations(obs, rows, k, groups)).toBe(0);
    expect(obs.filter((v) => v === 0).length).toBe(rows * k / 2);
    const magnitude = Float64Array.from(w);
    applySparse24Magnitude(magnitude, rows, k, groups);
    const sameMask = w.map((v, i) => (obs[i] === 0 ? 0 : v));
    const eObs = outputError(w, obs, x, rows, k, n);
    const eMagnitude = outputError(w, magnitude, x, rows, k, n);
    const eMask = outputError(w, sameMask, x, rows, k, n);
    expect(eObs).toBeLessThan(0.5 * eMagnitude);
    expect(eObs).toBeLessThan(0.5 * eMask);
  });

  test('unstructured with OBS updates: the share of each block and a lower error than magnitude', () => {
    const [rows, k, n] = [6, 40, 300];
    const { x, h } = correlatedInputs(n, k, 33);
    const rnd = random(9);
    const w = Float64Array.from({ length: rows * k }, rnd);
    const obs = Float64Array.from(w);
    obsPrune(obs, rows, k, h, { kind: 'unstructured', ratio: 0.5 }, { damping: 0.01, blockSize: 16 });
    // Blocks of 16, 16, 8 columns: half of each block's weights.
    for (const [a, b] of [[0, 16], [16, 32], [32, 40]]) {
      let zeros = 0;
      for (let r = 0; r < rows; r++) for (let j = a; j < b; j++) if (obs[r * k + j] === 0) zeros++;
      expect(zeros).toBe((rows * (b - a)) / 2);
    }
    const magnitude = [Float64Array.from(w)];
    pruneLayerByMagnitude(magnitude, 0.5);
    expect(outputError(w, obs, x, rows, k, n)).toBeLessThan(0.5 * outputError(w, magnitude[0], x, rows, k, n));
  });

  test('columns past `prunable` (a bias column) are never pruned', () => {
    const { h } = correlatedInputs(80, 9, 2);
    const w = Float64Array.from({ length: 18 }, random(1));
    obsPrune(w, 2, 9, h, { kind: 'unstructured', ratio: 0.5 }, { damping: 0.01, blockSize: 128 }, 8);
    expect(w[8]).not.toBe(0);
    expect(w[17]).not.toBe(0);
    expect(w.filter((v) => v === 0).length).toBe(8);
  });
});

describe('dense-target re-fit', () => {
  test('is the identity when the pruned inputs equal the dense ones', () => {
    const { h } = correlatedInputs(40, 5, 6);
    const w = Float64Array.from({ length: 10 }, random(2));
    const fitted = Float64Array.from(w);
    refitToDenseTargets(fitted, 2, 5, h, h, 0.01);
    for (let i = 0; i < 10; i++) expect(fitted[i]).toBeCloseTo(w[i], 10);
  });

  test('solves min ‖W·Xd − W′·Xp‖² when inputs drifted', () => {
    const [n, k] = [70, 5];
    const { x: xd } = correlatedInputs(n, k, 12);
    const rnd = random(13);
    const xp = xd.map((v) => v * 0.8 + 0.2 * rnd());
    const t = (a: Float64Array) => {
      const out = new Float64Array(a.length);
      for (let s = 0; s < n; s++) for (let j = 0; j < k; j++) out[j * n + s] = a[s * k + j];
      return out;
    };
    const h = multiply(t(xp), xp, k, n, k);
    const c = multiply(t(xd), xp, k, n, k);
    const w = Float64Array.from({ length: 3 * k }, rnd);
    const fitted = Float64Array.from(w);
    refitToDenseTargets(fitted, 3, k, h, c, 0);
    // Independent: the residual W·Xdᵀ − W′·Xpᵀ is orthogonal to Xp's columns.
    for (let r = 0; r < 3; r++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let s = 0; s < n; s++) {
          let res = 0;
          for (let q = 0; q < k; q++) res += w[r * k + q] * xd[s * k + q] - fitted[r * k + q] * xp[s * k + q];
          dot += res * xp[s * k + j];
        }
        expect(Math.abs(dot)).toBeLessThan(1e-8);
      }
    }
  });
});
