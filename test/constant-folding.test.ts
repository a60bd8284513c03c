/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/** foldConstants: every evaluable op folded on constants and compared with onnxruntime's result on the same graph. */
import type { DataType, Graph, TensorValue } from '../lib/ir/graph';
import { encodeModel } from '../lib/onnx/encode';
import { foldConstants } from '../lib/passes/constant-folding';
import { specialize } from '../lib/passes/shape-inference';
import { removeDeadNodes } from '../lib/passes/dead-nodes';
import { makeTensor, toNumbers } from '../lib/ir/tensor-values';
import { ortEval } from './support/ort';
import { addNode, attrs, emptyGraph, input, node, output, randomFloats } from './onnx-graph-builder';

const I64_MAX = 9223372036854775807n;
type C = [string, DataType, number[], (number | bigint | boolean)[]];

interface FoldCase {
  name: string;
  op: string;
  opset?: number;
  inputs: (C | '')[];
  attrs?: Parameters<typeof attrs>[0];
  outputs?: number;
  /** Independently computed expected values of output 0, when easy to state. */
  want?: (number | bigint | boolean)[];
}

const f32 = (name: string, dims: number[], values?: number[]): C => [name, 'float32', dims, values ?? Array.from(randomFloats(dims.reduce((a, b) => a * b, 1), name.length * 7 + 1))];
const i64 = (name: string, dims: number[], values: (number | bigint)[]): C => [name, 'int64', dims, values.map(BigInt)];

const CASES: FoldCase[] = [
  { name: 'Shape', op: 'Shape', inputs: [f32('x', [2, 3, 4])], want: [2n, 3n, 4n] },
  { name: 'Shape start/end', op: 'Shape', opset: 15, inputs: [f32('x', [2, 3, 4])], attrs: { start: -2 }, want: [3n, 4n] },
  { name: 'Size', op: 'Size', inputs: [f32('x', [2, 3, 4])], want: [24n] },
  { name: 'Gather 2-D negative indices', op: 'Gather', inputs: [i64('d', [3, 2], [1, 2, 3, 4, 5, 6]), i64('i', [2], [-1, 0])], attrs: { axis: 0 }, want: [5n, 6n, 1n, 2n] },
  { name: 'Gather axis 1 float', op: 'Gather', inputs: [f32('d', [2, 3]), i64('i', [2, 2], [2, 0, 1, 1])], attrs: { axis: 1 } },
  { name: 'Concat axis 1', op: 'Concat', inputs: [i64('a', [2, 1], [1, 2]), i64('b', [2, 2], [3, 4, 5, 6])], attrs: { axis: 1 }, want: [1n, 3n, 4n, 2n, 5n, 6n] },
  { name: 'Unsqueeze', op: 'Unsqueeze', inputs: [i64('a', [], [5]), i64('axes', [1], [0])], want: [5n] },
  { name: 'Squeeze', op: 'Squeeze', inputs: [f32('a', [1, 3, 1]), i64('axes', [1], [0])] },
  { name: 'Reshape', op: 'Reshape', inputs: [f32('a', [2, 3]), i64('s', [2], [3, -1])] },
  { name: 'Flatten', op: 'Flatten', inputs: [f32('a', [2, 3, 2])], attrs: { axis: 2 } },
  { name: 'Cast float → int32 truncates', op: 'Cast', inputs: [f32('a', [5], [-2.7, -0.5, 0.5, 2.7, 100.9])], attrs: { to: 6 }, want: [-2, 0, 0, 2, 100] },
  { name: 'Cast float → int64', op: 'Cast', inputs: [f32('a', [3], [-3.5, 1e10, 7.9])], attrs: { to: 7 }, want: [-3n, 10000000000n, 7n] },
  { name: 'Cast int64 → float', op: 'Cast', inputs: [i64('a', [2], [-5, 16777217])], attrs: { to: 1 }, want: [-5, 16777216] },
  { name: 'Cast float → bool', op: 'Cast', inputs: [f32('a', [3], [0, -0.1, 2])], attrs: { to: 9 }, want: [false, true, true] },
  { name: 'Cast bool → float', op: 'Cast', inputs: [['a', 'bool', [2], [true, false]]], attrs: { to: 1 }, want: [1, 0] },
  { name: 'Slice negative step', op: 'Slice', inputs: [i64('d', [2, 5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), i64('s', [1], [-1]), i64('e', [1], [-I64_MAX]), i64('a', [1], [1]), i64('st', [1], [-2])], want: [4n, 2n, 0n, 9n, 7n, 5n] },
  { name: 'Slice clamped', op: 'Slice', inputs: [f32('d', [4, 3]), i64('s', [2], [1, -10]), i64('e', [2], [I64_MAX, 2])] },
  { name: 'Add int64 broadcast', op: 'Add', inputs: [i64('a', [2, 1], [1, 2]), i64('b', [3], [10, 20, 9007199254740993n])], want: [11n, 21n, 9007199254740994n, 12n, 22n, 9007199254740995n] },
  { name: 'Sub float', op: 'Sub', inputs: [f32('a', [2, 3]), f32('b', [3])] },
  { name: 'Mul int32', op: 'Mul', inputs: [['a', 'int32', [3], [46341, -7, 3]], ['b', 'int32', [3], [46341, 6, -3]]], want: [2147488281 - 4294967296, -42, -9] },
  { name: 'Mul float broadcast', op: 'Mul', inputs: [f32('a', [2, 1, 3]), f32('b', [4, 1])] },
  { name: 'Div int64 truncates toward zero', op: 'Div', inputs: [i64('a', [4], [7, -7, 7, -7]), i64('b', [4], [2, 2, -2, -2])], want: [3n, -3n, -3n, 3n] },
  { name: 'Div float', op: 'Div', inputs: [f32('a', [3]), f32('b', [3], [3, -7, 0.1])] },
  { name: 'Neg int64', op: 'Neg', inputs: [i64('a', [2], [5, -9])], want: [-5n, 9n] },
  { name: 'Neg float', op: 'Neg', inputs: [f32('a', [4])] },
  { name: 'Sqrt', op: 'Sqrt', inputs: [f32('a', [4], [0, 2, 9, 1e-3])] },
  { name: 'Reciprocal', op: 'Reciprocal', inputs: [f32('a', [3], [3, -7, 0.1])] },
  { name: 'Equal int64', op: 'Equal', inputs: [i64('a', [3], [1, 2, 3]), i64('b', [1], [2])], want: [false, true, false] },
  { name: 'Less float', op: 'Less', inputs: [f32('a', [2, 2]), f32('b', [2])] },
  { name: 'Greater int64', op: 'Greater', inputs: [i64('a', [3], [1, 2, 3]), i64('b', [3], [3, 2, 1])], want: [false, false, true] },
  { name: 'Not', op: 'Not', inputs: [['a', 'bool', [3], [true, false, true]]], want: [false, true, false] },
  { name: 'Where broadcast', op: 'Where', inputs: [['c', 'bool', [2, 1], [true, false]], i64('x', [3], [1, 2, 3]), i64('y', [], [-1])], want: [1n, 2n, 3n, -1n, -1n, -1n] },
  { name: 'ConstantOfShape default float zero', op: 'ConstantOfShape', inputs: [i64('s', [2], [2, 2])], want: [0, 0, 0, 0] },
  { name: 'ConstantOfShape int64', op: 'ConstantOfShape', inputs: [i64('s', [1], [3])], attrs: { value: makeTensor('int64', [1], [-4n]) }, want: [-4n, -4n, -4n] },
  { name: 'Range int64 negative delta', op: 'Range', inputs: [i64('s', [], [10]), i64('l', [], [1]), i64('d', [], [-4])], want: [10n, 6n, 2n] },
  { name: 'Range float', op: 'Range', inputs: [f32('s', [], [0.5]), f32('l', [], [2]), f32('d', [], [0.25])] },
  { name: 'Expand', op: 'Expand', inputs: [i64('x', [3, 1], [1, 2, 3]), i64('s', [2], [1, 2])], want: [1n, 1n, 2n, 2n, 3n, 3n] },
  { name: 'Expand float 3-D', op: 'Expand', inputs: [f32('x', [2, 1, 3]), i64('s', [3], [2, 4, 1])] },
  { name: 'Identity', op: 'Identity', inputs: [f32('x', [3])] },
  { name: 'Transpose 3-D', op: 'Transpose', inputs: [f32('x', [2, 3, 4])], attrs: { perm: [2, 0, 1] } },
  { name: 'Transpose default', op: 'Transpose', inputs: [i64('x', [2, 3], [1, 2, 3, 4, 5, 6])], want: [1n, 4n, 2n, 5n, 3n, 6n] },
  { name: 'Min variadic', op: 'Min', inputs: [f32('a', [2, 1]), f32('b', [3]), f32('c', [], [0])] },
  { name: 'Max int64', op: 'Max', inputs: [i64('a', [3], [1, 5, -2]), i64('b', [1], [2])], want: [2n, 5n, 2n] },
];

function foldCaseGraph(cs: FoldCase): Graph {
  const g = emptyGraph(cs.opset ?? 17);
  const names = cs.inputs.map((i) => {
    if (i === '') return '';
    const [name, type, dims, values] = i;
    g.initializers.set(name, makeTensor(type, dims, values));
    return name;
  });
  const outputs = Array.from({ length: cs.outputs ?? 1 }, (_, i) => `out${i}`);
  g.nodes.push({ name: `${cs.op}_node`, opType: cs.op, domain: '', inputs: names, outputs, attrs: attrs(cs.attrs ?? {}) });
  for (const o of outputs) g.outputs.push({ name: o, type: 'float32', shape: [], shapeUnknown: true });
  return g;
}

function values(t: { data: ArrayLike<unknown> }, type: string): unknown[] {
  const arr = Array.from(t.data as ArrayLike<unknown>);
  return type === 'bool' ? arr.map((v) => Boolean(v)) : arr;
}

describe.each(CASES)('$name', (cs) => {
  test('folds to onnxruntime\'s result', async () => {
    const g = foldCaseGraph(cs);
    // Declare the output types inference finds; onnxruntime refuses the model if they are wrong.
    g.outputs = specialize(g, new Map()).outputs.map((o) => ({ ...o, shape: [], shapeUnknown: true }));
    const reference = await ortEval(encodeModel(g), {});
    foldConstants(g);
    expect(g.nodes).toHaveLength(0);
    const folded = g.initializers.get('out0') as TensorValue;
    const ort = reference.out0;
    expect(folded.dims).toEqual(ort.dims);
    expect(folded.type).toBe(ort.type);
    expect(values(folded, folded.type)).toEqual(values(ort, ort.type));
    if (cs.want) {
      const want = cs.want.map((v) => (typeof v === 'boolean' ? v : v));
      expect(values(folded, folded.type)).toEqual(want);
    }
  });
});

describe('foldConstants on graphs', () => {
  test('folds chains, keeps nodes reading run-time inputs, drops initializers nothing reads', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2, 3]);
    g.initializers.set('a', makeTensor('int64', [2], [2n, 3n]));
    g.initializers.set('b', makeTensor('int64', [2], [1n, 1n]));
    addNode(g, node('Mul', ['a', 'b'], ['ab']));
    addNode(g, node('Reshape', ['x', 'ab'], ['y']));
    addNode(g, node('Relu', ['y'], ['z']));
    output(g, 'z', 'float32', [2, 3]);
    foldConstants(g);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Relu']);
    expect([...g.initializers.keys()]).toEqual(['ab']);
    expect(toNumbers(g.initializers.get('ab')!)).toEqual([2, 3]);
  });

  test('Shape of a value with a static declared shape folds; a symbolic one does not', () => {
    for (const [dims, folds] of [[[2, 3], true], [['n', 3], false]] as const) {
      const g = emptyGraph(13);
      input(g, 'x', 'float32', [...dims]);
      addNode(g, node('Shape', ['x'], ['s']));
      output(g, 's', 'int64', [2]);
      foldConstants(g);
      expect(g.nodes.length).toBe(folds ? 0 : 1);
    }
  });

  test('a broadcast that would blow up a small constant is left for the executor', () => {
    const g = emptyGraph(13);
    g.initializers.set('one', makeTensor('float32', [1], [1]));
    g.initializers.set('shape', makeTensor('int64', [2], [2048n, 1024n]));
    addNode(g, node('Expand', ['one', 'shape'], ['big']));
    output(g, 'big', 'float32', [2048, 1024]);
    foldConstants(g);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Expand']);
  });

  test('a ConstantOfShape beyond the folding limit is refused instead of exhausting memory', () => {
    const g = emptyGraph(13);
    g.initializers.set('shape', makeTensor('int64', [2], [16384n, 8192n]));
    addNode(g, node('ConstantOfShape', ['shape'], ['huge']));
    output(g, 'huge', 'float32', [16384, 8192]);
    expect(() => foldConstants(g)).toThrow(/ConstantOfShape node 'ConstantOfShape_0': its constant output of 134217728 elements exceeds the folding limit/);
  });

  test('removeDeadNodes keeps only what feeds the outputs', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2]);
    g.initializers.set('unused', makeTensor('float32', [1], [1]));
    addNode(g, node('Relu', ['x'], ['a']));
    addNode(g, node('Neg', ['x'], ['dead']));
    addNode(g, node('Add', ['dead', 'unused'], ['dead2']));
    output(g, 'a', 'float32', [2]);
    removeDeadNodes(g);
    expect(g.nodes.map((n) => n.opType)).toEqual(['Relu']);
    expect(g.initializers.size).toBe(0);
  });
});
