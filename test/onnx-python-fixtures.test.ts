/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** Models written by the official `onnx` package (tools/make_onnx_codec_fixtures.py): typed fields, external data, Constants, subgraphs. */
import * as fs from 'fs';
import * as path from 'path';
import type { TensorValue } from '../lib/ir/graph';
import { decodeModel } from '../lib/onnx/decode';
import { encodeModel } from '../lib/onnx/encode';
import { float16BitsToNumber } from '../lib/ir/tensor-values';
import { ortEval } from './support/ort';

const DIR = path.join(__dirname, 'fixtures', 'onnx-codec');

interface Expected {
  dtype: string;
  dims: number[];
  values: (number | string | boolean)[];
}

const NUMPY_TO_OURS: Record<string, string> = { float32: 'float32', float64: 'float64', float16: 'float16', bool: 'bool', string: 'string', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', uint64: 'uint64' };

function load(name: string): Record<string, Expected> {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8'));
}

/** Our tensor as the JSON's representation: integers as decimal strings, float16 decoded, bool as booleans. */
function asJson(t: TensorValue): (number | string | boolean)[] {
  const data = Array.from(t.data as ArrayLike<number | bigint | string>);
  switch (t.type) {
    case 'float16':
      return (data as number[]).map(float16BitsToNumber);
    case 'bool':
      return data.map((v) => v === 1);
    case 'string':
      return data as string[];
    case 'float32':
    case 'float64':
      return data as number[];
    default:
      return data.map((v) => String(v));
  }
}

function expectTensor(t: TensorValue | undefined, want: Expected, name: string): void {
  expect([name, t?.type, t?.dims]).toEqual([name, NUMPY_TO_OURS[want.dtype], want.dims]);
  const got = asJson(t!);
  if (t!.type === 'float32') expect(got).toEqual(want.values.map((v) => Math.fround(v as number)));
  else expect(got).toEqual(want.values);
}

describe('models written by the onnx package', () => {
  test('typed data fields of every numeric type, strings, scalars and empty tensors', () => {
    const g = decodeModel(fs.readFileSync(path.join(DIR, 'typed-fields.onnx')));
    const expected = load('typed-fields');
    for (const [name, want] of Object.entries(expected)) expectTensor(g.initializers.get(name), want, name);
    expect(g.producer).toBe('make_onnx_codec_fixtures');
  });

  test('external data resolved against baseDir, and refused without it', () => {
    const bytes = fs.readFileSync(path.join(DIR, 'external-data.onnx'));
    const g = decodeModel(bytes, { baseDir: DIR });
    for (const [name, want] of Object.entries(load('external-data'))) expectTensor(g.initializers.get(name), want, name);
    expect(() => decodeModel(bytes)).toThrow(/uses external data 'external-data.bin' but no baseDir/);
  });

  test('Constant nodes of every kind become initializers; subgraph attributes decode and re-encode', async () => {
    const g = decodeModel(fs.readFileSync(path.join(DIR, 'constants-subgraph.onnx')));
    for (const [name, want] of Object.entries(load('constants-subgraph'))) expectTensor(g.initializers.get(name), want, name);
    const ifNode = g.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode.attrs.then_branch.kind).toBe('graph');
    const thenBranch = ifNode.attrs.then_branch.value as import('../lib/ir/graph').Graph;
    expect(thenBranch.nodes.map((n) => n.opType)).toEqual(['Neg']);
    // Re-encoded (If included), onnxruntime runs it: the subgraph reads the outer 'x'.
    const x = new Float32Array([1, -2]);
    for (const [cond, want] of [[1, [-1, 2]], [0, [1, -2]]] as const) {
      const out = await ortEval(encodeModel(g), { x: { type: 'float32', dims: [2], data: x }, cond: { type: 'bool', dims: [], data: new Uint8Array([cond]) } });
      expect(Array.from(out.if_out.data as Float32Array)).toEqual(want);
      expect(Array.from(out.out_c_ints.data as BigInt64Array)).toEqual([3n, 9007199254740993n]);
    }
  });
});
