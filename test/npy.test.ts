/** lib/format/npy.ts against files numpy wrote (tools/make_npy_fixtures.py). */
import { readFileSync } from 'fs';
import { join } from 'path';
import { readNpy, writeNpy, loadNpy, NpyArray } from '../lib/format/npy';
import { ModelFormatError, UnsupportedError } from '../lib/errors';

const DIR = join(__dirname, 'fixtures', 'npy');
const file = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));

/** Same formula as tools/make_npy_fixtures.py values(). */
function expectedValues(descr: string, n: number): number[] {
  const centered = ['f4', 'f8', 'i1', 'i4', 'i8'].includes(descr);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = i - (centered ? Math.floor(n / 2) : 0);
    if (descr === 'b1') out.push(a % 3 === 0 ? 1 : 0);
    else if (descr === 'f4' || descr === 'f8') out.push(a * 0.5);
    else out.push(a);
  }
  return out;
}

const CASES: [string, string, string][] = [
  ['f4', 'float32', 'Float32Array'],
  ['f8', 'float64', 'Float64Array'],
  ['i1', 'int8', 'Int8Array'],
  ['u1', 'uint8', 'Uint8Array'],
  ['i4', 'int32', 'Int32Array'],
  ['i8', 'int64', 'BigInt64Array'],
  ['b1', 'bool', 'Uint8Array'],
];

describe('readNpy', () => {
  test.each(CASES)('reads %s written by numpy', (descr, type, ctor) => {
    const a = readNpy(file(`${descr}-2x3x4.npy`));
    expect(a.type).toBe(type);
    expect(a.dims).toEqual([2, 3, 4]);
    expect(a.data.constructor.name).toBe(ctor);
    expect(Array.from(a.data as ArrayLike<number | bigint>, Number)).toEqual(expectedValues(descr, 24));
  });

  test('reads scalars, 1-D, empty arrays and v2 headers', () => {
    const scalar = loadNpy(join(DIR, 'f4-scalar.npy'));
    expect(scalar.dims).toEqual([]);
    expect(Array.from(scalar.data as Float32Array)).toEqual([0]);
    const vec = readNpy(file('f4-7.npy'));
    expect(vec.dims).toEqual([7]);
    expect(Array.from(vec.data as Float32Array)).toEqual(expectedValues('f4', 7));
    const empty = readNpy(file('f4-0x3.npy'));
    expect(empty.dims).toEqual([0, 3]);
    expect(empty.data.length).toBe(0);
    const v2 = readNpy(file('i8-3x5-v2.npy'));
    expect(v2.dims).toEqual([3, 5]);
    expect(Array.from(v2.data as BigInt64Array, Number)).toEqual(expectedValues('i8', 15));
  });

  test('rejects Fortran order, big-endian data and unsupported dtypes with clear errors', () => {
    expect(() => readNpy(file('f4-fortran-3x4.npy'), 'fortran.npy')).toThrow(UnsupportedError);
    expect(() => readNpy(file('f4-fortran-3x4.npy'), 'fortran.npy')).toThrow(
      'Expected C-order data (fortran_order False) for fortran.npy but received "fortran_order True"',
    );
    expect(() => readNpy(file('f4-bigendian-4.npy'), 'be.npy')).toThrow(
      'Expected an npy dtype of <f4, <f8, |i1, |u1, <i4, <i8, |b1 (little-endian) for the descr of be.npy but received ">f4"',
    );
    expect(() => readNpy(file('f2-4.npy'))).toThrow(UnsupportedError);
    expect(() => readNpy(file('f2-4.npy'))).toThrow('but received "<f2"');
  });

  test('rejects bytes that are not npy, truncated data and bad versions', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(ModelFormatError);
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow('Expected the npy magic');
    const good = file('f4-2x3x4.npy');
    expect(() => readNpy(good.subarray(0, good.length - 4), 't.npy')).toThrow(
      'Expected 96 data bytes for shape [2, 3, 4] of <f4 for t.npy but received "92 bytes"',
    );
    const badVersion = good.slice();
    badVersion[6] = 9;
    expect(() => readNpy(badVersion, 'v.npy')).toThrow('Expected npy format version 1, 2 or 3 for v.npy but received "version 9.0"');
    expect(() => readNpy(good.subarray(0, 40))).toThrow(ModelFormatError);
    expect(() => readNpy([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('writeNpy', () => {
  test.each(CASES)('writes %s byte-identical to numpy', (descr) => {
    const bytes = file(`${descr}-2x3x4.npy`);
    expect(Buffer.from(writeNpy(readNpy(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  test('writes scalars, 1-D and empty arrays byte-identical to numpy', () => {
    for (const name of ['f4-scalar.npy', 'f4-7.npy', 'f4-0x3.npy']) {
      const bytes = file(name);
      expect(Buffer.from(writeNpy(readNpy(bytes))).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  test('round-trips data at an unaligned offset and a large header as v2', () => {
    const backing = new Float32Array(9).map((_, i) => i * 1.25);
    const a: NpyArray = { type: 'float32', dims: [2, 4], data: backing.subarray(1) };
    const back = readNpy(writeNpy(a));
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(backing.subarray(1)));
    const dims = new Array(30000).fill(1);
    const big = writeNpy({ type: 'int32', dims, data: new Int32Array([42]) });
    expect(big[6]).toBe(2);
    expect(readNpy(big).dims).toEqual(dims);
  });

  test('rejects data that does not match the dims or type', () => {
    expect(() => writeNpy({ type: 'float32', dims: [3], data: new Float32Array(2) })).toThrow(
      'Expected 3 float32 elements for dims [3] for the npy array data but received Float32Array(2)',
    );
    expect(() => writeNpy({ type: 'float16', dims: [1], data: new Uint8Array(2) })).toThrow(TypeError);
    expect(() => writeNpy({ type: 'int8', dims: [-1], data: new Int8Array(0) })).toThrow('non-negative integer dims');
  });
});
