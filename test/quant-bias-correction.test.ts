/** Bias correction's mean output shift (lib/quant/bias-correction.ts) against a direct convolution / matrix product computed here. */
import type { Node } from '../lib/ir/graph';
import { TapSums } from '../lib/quant/bias-correction';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
}

function convNode(attrs: { group: number; strides: number[]; pads: number[]; dilations: number[] }): Node {
  return {
    name: 'conv',
    opType: 'Conv',
    domain: '',
    inputs: ['x', 'w'],
    outputs: ['y'],
    attrs: {
      group: { kind: 'int', value: attrs.group },
      strides: { kind: 'ints', value: attrs.strides },
      pads: { kind: 'ints', value: attrs.pads },
      dilations: { kind: 'ints', value: attrs.dilations },
    },
  };
}

/** Mean over samples and output positions of conv(x, w) per output channel, by direct summation. */
function directConvMean(xs: Float32Array[], dims: number[], w: Float32Array, wDims: number[], a: { group: number; strides: number[]; pads: number[]; dilations: number[] }): number[] {
  const [, , h, wd] = dims;
  const [m, cg, kh, kw] = wDims;
  const oh = Math.floor((h + a.pads[0] + a.pads[2] - a.dilations[0] * (kh - 1) - 1) / a.strides[0]) + 1;
  const ow = Math.floor((wd + a.pads[1] + a.pads[3] - a.dilations[1] * (kw - 1) - 1) / a.strides[1]) + 1;
  const out = new Array<number>(m).fill(0);
  for (const x of xs) {
    for (let o = 0; o < m; o++) {
      const g = Math.floor(o / (m / a.group));
      for (let y = 0; y < oh; y++) {
        for (let z = 0; z < ow; z++) {
          let acc = 0;
          for (let ci = 0; ci < cg; ci++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const iy = y * a.strides[0] - a.pads[0] + i * a.dilations[0];
                const ix = z * a.strides[1] - a.pads[1] + j * a.dilations[1];
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                acc += x[((g * cg + ci) * h + iy) * wd + ix] * w[((o * cg + ci) * kh + i) * kw + j];
              }
            }
          }
          out[o] += acc;
        }
      }
    }
  }
  return out.map((v) => v / (xs.length * oh * ow));
}

describe('bias correction tap sums', () => {
  test.each([
    ['3x3 pad 1 stride 1', { group: 1, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] }, [1, 3, 7, 6], [4, 3, 3, 3]],
    ['3x3 stride 2 asymmetric pads', { group: 1, strides: [2, 2], pads: [0, 1, 1, 0], dilations: [1, 1] }, [1, 2, 9, 8], [3, 2, 3, 3]],
    ['depthwise dilated', { group: 4, strides: [1, 1], pads: [2, 2, 2, 2], dilations: [2, 2] }, [1, 4, 6, 6], [4, 1, 3, 3]],
    ['grouped 1x1', { group: 2, strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] }, [2, 4, 5, 5], [6, 2, 1, 1]],
  ])('Conv %s: mean shift equals the mean of conv(x, delta)', (_, attrs, dims, wDims) => {
    const next = rng(7);
    const node = convNode(attrs);
    const taps = TapSums.of({ node, axis: 0, channels: wDims[0] }, wDims)!;
    const xs: Float32Array[] = [];
    for (let s = 0; s < 3; s++) {
      const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => next() + 0.3);
      xs.push(x);
      taps.add(x, dims);
    }
    const delta = Float32Array.from({ length: wDims.reduce((a, b) => a * b, 1) }, () => next() * 0.01);
    // A batch of N counts as N samples for the direct sum: split it.
    const perImage = dims.slice(1).reduce((a, b) => a * b, 1);
    const images = xs.flatMap((x) => Array.from({ length: dims[0] }, (_, n) => x.subarray(n * perImage, (n + 1) * perImage)));
    const expected = directConvMean(images, [1, ...dims.slice(1)], delta, wDims, attrs);
    const shift = taps.meanShift(delta, wDims);
    expected.forEach((e, m) => expect(shift[m]).toBeCloseTo(e, 10));
  });

  test('Gemm (transB) and MatMul: mean shift = delta · mean(x)', () => {
    const next = rng(3);
    const x = Float32Array.from({ length: 5 * 6 }, () => next());
    const mean = Array.from({ length: 6 }, (_, k) => [0, 1, 2, 3, 4].reduce((a, r) => a + x[r * 6 + k], 0) / 5);
    const gemm: Node = { name: 'g', opType: 'Gemm', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: { transB: { kind: 'int', value: 1 } } };
    const delta = Float32Array.from({ length: 4 * 6 }, () => next()); // [N=4, K=6]
    const t = TapSums.of({ node: gemm, axis: 0, channels: 4 }, [4, 6])!;
    t.add(x, [5, 6]);
    const shift = t.meanShift(delta, [4, 6]);
    for (let n = 0; n < 4; n++) expect(shift[n]).toBeCloseTo(mean.reduce((a, v, k) => a + v * delta[n * 6 + k], 0), 10);
    const matmul: Node = { name: 'm', opType: 'MatMul', domain: '', inputs: ['x', 'w'], outputs: ['y'], attrs: {} };
    const m = TapSums.of({ node: matmul, axis: 1, channels: 4 }, [6, 4])!; // [K=6, N=4]
    m.add(x, [5, 6]);
    const deltaKN = Float32Array.from({ length: 24 }, (_, i) => delta[(i % 4) * 6 + Math.floor(i / 4)]);
    const s2 = m.meanShift(deltaKN, [6, 4]);
    for (let n = 0; n < 4; n++) expect(s2[n]).toBeCloseTo(shift[n], 10);
  });
});
