/**
 * resizeBilinear against values worked out by hand from torch's F.interpolate(bilinear, align_corners=False)
 * definition and against onnxruntime's Resize (linear, half_pixel), which defines the same sampling.
 * @jest-environment ./test/support/ort-environment.js
 */
import * as ort from 'onnxruntime-node';
import { resizeBilinear } from '../lib/dynamic/resize-bilinear';
import { encodeModel } from '../lib/onnx/encode';
import { addNode, emptyGraph, init, input, node, output, randomFloats } from './onnx-graph-builder';

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) if (Math.abs(actual[i] - expected[i]) > tol) throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]}`);
}

async function ortResize(data: Float32Array, dims: number[], h: number, w: number): Promise<Float32Array> {
  const g = emptyGraph(13);
  input(g, 'x', 'float32', dims);
  init(g, 'roi', 'float32', [0], []);
  init(g, 'scales', 'float32', [0], []);
  init(g, 'sizes', 'int64', [4], [dims[0], dims[1], h, w]);
  addNode(g, node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }));
  output(g, 'y', 'float32', [dims[0], dims[1], h, w]);
  const session = await ort.InferenceSession.create(encodeModel(g));
  const out = await session.run({ x: new ort.Tensor('float32', data, dims) });
  return out.y.data as Float32Array;
}

describe('resizeBilinear', () => {
  test('2x2 -> 4x4 upsampling: edge pixels clamp, inner ones blend at quarter steps', () => {
    const out = resizeBilinear(new Float32Array([1, 2, 3, 4]), [1, 1, 2, 2], 4, 4);
    expectClose(out, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  });

  test('4x4 -> 2x2 halving averages each 2x2 block (source centres fall between pixels)', () => {
    const out = resizeBilinear(Float32Array.from({ length: 16 }, (_, i) => i), [1, 1, 4, 4], 2, 2);
    expectClose(out, [2.5, 4.5, 10.5, 12.5]);
  });

  test('3 -> 2 along one axis: src = (dst + 0.5) * 1.5 - 0.5 = 0.25 and 1.75', () => {
    const out = resizeBilinear(new Float32Array([0, 10, 30]), [1, 1, 1, 3], 1, 2);
    expectClose(out, [2.5, 10 + 0.75 * 20]);
  });

  test('same size returns an equal copy; channels and batch are independent planes', () => {
    const data = randomFloats(2 * 3 * 5 * 4, 3);
    const same = resizeBilinear(data, [2, 3, 5, 4], 5, 4);
    expect(same).not.toBe(data);
    expectClose(same, data, 0);
    const out = resizeBilinear(data, [2, 3, 5, 4], 7, 3);
    const plane = resizeBilinear(data.slice(4 * 20, 5 * 20), [1, 1, 5, 4], 7, 3);
    expectClose(out.slice(4 * 21, 5 * 21), plane, 0);
  });

  test.each([
    [28, 28, 16, 16],
    [28, 28, 20, 20],
    [28, 28, 13, 9],
    [16, 20, 28, 28],
    [5, 7, 11, 3],
  ])('%ix%i -> %ix%i matches onnxruntime Resize(linear, half_pixel)', async (h, w, oh, ow) => {
    const dims = [2, 2, h, w];
    const data = randomFloats(4 * h * w, h * 31 + w);
    expectClose(resizeBilinear(data, dims, oh, ow), await ortResize(data, dims, oh, ow), 1e-5);
  });

  test('bad arguments throw with the house message', () => {
    expect(() => resizeBilinear(new Float32Array(4), [1, 1, 2], 2, 2)).toThrow(/Expected NCHW dims/);
    expect(() => resizeBilinear(new Float32Array(3), [1, 1, 2, 2], 2, 2)).toThrow(/Expected 4 elements/);
    expect(() => resizeBilinear(new Float32Array(4), [1, 1, 2, 2], 0, 2)).toThrow(/Expected a positive integer for height/);
    expect(() => resizeBilinear([1, 2, 3, 4] as unknown as Float32Array, [1, 1, 2, 2], 2, 2)).toThrow(TypeError);
  });
});
