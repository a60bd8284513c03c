/** Tensor: construction like onnxruntime-node's, type inference from typed arrays, and the error messages. */
import { Tensor } from '../lib/index';

describe('Tensor', () => {
  test('type, data, dims and size', () => {
    const t = new Tensor('float32', new Float32Array(6), [2, 3]);
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(new Tensor(new Int32Array([1, 2, 3])).dims).toEqual([3]);
    expect(new Tensor(new BigInt64Array(4), [2, 2]).type).toBe('int64');
    expect(new Tensor('bool', new Uint8Array([1, 0]), [2]).type).toBe('bool');
    expect(new Tensor('int8', new Int8Array(0), [0, 5]).size).toBe(0);
  });

  test('plain arrays are converted', () => {
    expect(Array.from(new Tensor('int64', [1, 2n], [2]).data as BigInt64Array)).toEqual([1n, 2n]);
    expect(Array.from(new Tensor("bool", [true, false, 1], [3]).data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(new Tensor("float32", [0.5, 2], [2]).data as Float32Array)).toEqual([0.5, 2]);
  });

  test('errors in the house style', () => {
    expect(() => new Tensor('float64' as never, new Float32Array(1), [1])).toThrow(
      'Expected one of float32, int64, int32, uint8, int8, bool for tensor type but received "float64"',
    );
    expect(() => new Tensor('float32', new Int32Array(2), [2])).toThrow('Expected a Float32Array for float32 tensor data but received Int32Array(2)');
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(
      'Expected 6 elements (product of dims [2, 3]) for tensor data but received Float32Array(5)',
    );
    expect(() => new Tensor('float32', new Float32Array(2), [2.5] as never)).toThrow(
      'Expected an array of non-negative integers for tensor dims but received array [2.5]',
    );
    expect(() => new Tensor('int64', [1.5], [1])).toThrow('Expected an integer or bigint for tensor data[0] but received 1.5');
    expect(() => new Tensor([1, 2] as never)).toThrow(TypeError);
  });
});
