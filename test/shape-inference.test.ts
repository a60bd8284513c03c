/** specialize(): concrete shapes for every value, shape math folded, input shapes checked against declarations. */
import { ModelFormatError, UnsupportedError } from '../lib/errors';
import { specialize } from '../lib/passes/shape-inference';
import { InferContext } from '../lib/passes/shape-inference/context';
import { sliceParams } from '../lib/passes/shape-inference/slice-concat';
import { addNode, emptyGraph, f, init, input, node, output, randomFloats } from './onnx-graph-builder';

describe('specialize', () => {
  test('folds Shape → Gather → Unsqueeze → Concat → Reshape shape math and leaves the original untouched', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', ['batch', 3, 4, 4]);
    init(g, 'zero', 'int64', [], [0n]);
    init(g, 'axes0', 'int64', [1], [0n]);
    init(g, 'minus1', 'int64', [1], [-1n]);
    addNode(g, node('Shape', ['x'], ['s']));
    addNode(g, node('Gather', ['s', 'zero'], ['b'], { axis: 0 }));
    addNode(g, node('Unsqueeze', ['b', 'axes0'], ['b1']));
    addNode(g, node('Concat', ['b1', 'minus1'], ['target'], { axis: 0 }));
    addNode(g, node('Reshape', ['x', 'target'], ['y']));
    addNode(g, node('Relu', ['y'], ['z']));
    output(g, 'z', 'float32', ['batch', 48]);
    const nodesBefore = JSON.stringify(g.nodes);
    const s = specialize(g, new Map([['x', [5, 3, 4, 4]]]));
    expect(s.nodes.map((n) => n.opType)).toEqual(['Reshape', 'Relu']);
    expect(Array.from(s.initializers.get('target')!.data as BigInt64Array)).toEqual([5n, -1n]);
    expect(s.valueInfo.get('y')).toEqual({ name: 'y', type: 'float32', shape: [5, 48] });
    expect(s.outputs[0].shape).toEqual([5, 48]);
    expect(s.inputs[0].shape).toEqual([5, 3, 4, 4]);
    expect(JSON.stringify(g.nodes)).toBe(nodesBefore);
    expect(g.inputs[0].shape).toEqual(['batch', 3, 4, 4]);
  });

  test('checks input shapes against declared static dims', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', ['n', 3]);
    input(g, 'y', 'float32', ['n', 3]);
    addNode(g, node('Add', ['x', 'y'], ['z']));
    output(g, 'z', 'float32', ['n', 3]);
    expect(() => specialize(g, new Map([['x', [2, 4]], ['y', [2, 3]]]))).toThrow(
      new RangeError("Expected dimension 1 of input 'x' to be 3 but received 4"),
    );
    expect(() => specialize(g, new Map([['x', [2, 3, 1]], ['y', [2, 3]]]))).toThrow(/Expected rank 2 for input 'x'/);
    expect(() => specialize(g, new Map([['x', [2, 3]], ['y', [4, 3]]]))).toThrow(/\('n'\) to be 2 like input 'x' but received 4/);
    expect(() => specialize(g, new Map([['x', [2, 3]]]))).toThrow(/Expected a shape for input 'y'/);
    expect(() => specialize(g, new Map([['x', [2, 3]], ['y', [2, 3]], ['w', [1]]]))).toThrow(RangeError);
    expect(() => specialize(g, new Map([['x', [2, 3.5]], ['y', [2, 3]]]))).toThrow(/non-negative integers for the shape of input 'x'/);
    expect(() => specialize(g, new Map([['x', [2 ** 40, 3]], ['y', [2 ** 40, 3]]]))).toThrow(
      /Expected at most 2147483647 elements for input 'x' but received shape \[1099511627776, 3\]/,
    );
  });

  test('incompatible broadcast names node and shapes', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2, 3]);
    init(g, 'c', 'float32', [4], randomFloats(4));
    addNode(g, { name: 'bad_add', opType: 'Add', domain: '', inputs: ['x', 'c'], outputs: ['z'], attrs: {} });
    output(g, 'z', 'float32', [2, 3]);
    expect(() => specialize(g, new Map())).toThrow(new ModelFormatError("Add node 'bad_add': cannot broadcast input shapes [2, 3] and [4]"));
  });

  test('a Reshape whose shape is computed from data is refused as data-dependent', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2, 3]);
    input(g, 'shape', 'int64', [2]);
    addNode(g, node('Reshape', ['x', 'shape'], ['z']));
    output(g, 'z', 'float32', [3, 2]);
    expect(() => specialize(g, new Map())).toThrow(UnsupportedError);
  });

  test('fused nodes from the engine: activation attrs, residual input, MatMul bias, sparq Silu', () => {
    const g = emptyGraph(17);
    input(g, 'x', 'float32', ['n', 2, 6, 6]);
    input(g, 'skip', 'float32', ['n', 4, 6, 'w']);
    init(g, 'w', 'float32', [4, 2, 3, 3], randomFloats(72));
    init(g, 'b', 'float32', [4], [0, 0, 0, 0]);
    init(g, 'mw', 'float32', [6, 5], randomFloats(30));
    init(g, 'mb', 'float32', [5], randomFloats(5));
    addNode(g, node('Conv', ['x', 'w', 'b', 'skip'], ['c'], { pads: [1, 1, 1, 1], activation: 'leaky_relu', activation_alpha: f(0.1) }));
    addNode(g, node('Silu', ['c'], ['s'], {}, 'sparq'));
    addNode(g, node('MatMul', ['s', 'mw', 'mb'], ['m'], { activation: 'relu' }));
    output(g, 'm', 'float32', ['n', 4, 6, 5]);
    const s = specialize(g, new Map([['x', [3, 2, 6, 6]], ['skip', [3, 4, 6, 6]]]));
    expect(s.valueInfo.get('c')!.shape).toEqual([3, 4, 6, 6]);
    expect(s.valueInfo.get('s')!.shape).toEqual([3, 4, 6, 6]);
    expect(s.outputs[0].shape).toEqual([3, 4, 6, 5]);
    expect(() => specialize(g, new Map([['x', [3, 2, 6, 6]], ['skip', [3, 4, 6, 5]]]))).toThrow(
      /Conv node 'Conv_0': residual input shape \[3, 4, 6, 5\] differs from the output shape \[3, 4, 6, 6\]/,
    );
  });

  test('shape errors name the node: Conv channels, MatMul inner dims, Reshape counts, Concat', () => {
    const cases: [string, () => void, RegExp][] = [];
    const conv = emptyGraph(13);
    input(conv, 'x', 'float32', [1, 3, 8, 8]);
    init(conv, 'w', 'float32', [4, 2, 3, 3], randomFloats(72));
    addNode(conv, node('Conv', ['x', 'w'], ['y']));
    output(conv, 'y', 'float32', [1, 4, 6, 6]);
    cases.push(['conv', () => specialize(conv, new Map()), /Conv node 'Conv_0': input channels 3 do not match weight shape \[4, 2, 3, 3\] with group 1/]);
    const mm = emptyGraph(13);
    input(mm, 'a', 'float32', [2, 3]);
    input(mm, 'b', 'float32', [4, 5]);
    addNode(mm, node('MatMul', ['a', 'b'], ['y']));
    output(mm, 'y', 'float32', [2, 5]);
    cases.push(['matmul', () => specialize(mm, new Map()), /MatMul node 'MatMul_0': inner dimensions differ: \[2, 3\] and \[4, 5\]/]);
    const rs = emptyGraph(13);
    input(rs, 'x', 'float32', [2, 3]);
    init(rs, 's', 'int64', [2], [4n, -1n]);
    addNode(rs, node('Reshape', ['x', 's'], ['y']));
    output(rs, 'y', 'float32', [4, 1]);
    cases.push(['reshape', () => specialize(rs, new Map()), /Reshape node 'Reshape_0': cannot reshape \[2, 3\] to \[4, -1\]/]);
    const cc = emptyGraph(13);
    input(cc, 'a', 'float32', [2, 3]);
    input(cc, 'b', 'float32', [3, 3]);
    addNode(cc, node('Concat', ['a', 'b'], ['y'], { axis: 1 }));
    output(cc, 'y', 'float32', [2, 6]);
    cases.push(['concat', () => specialize(cc, new Map()), /Concat node 'Concat_0': input shapes \[2, 3\] and \[3, 3\] differ outside axis 1/]);
    for (const [, fn, re] of cases) expect(fn).toThrow(re);
  });

  test('ops without a shape rule are unsupported, named with node and opset', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2, 3]);
    addNode(g, { name: 'nms', opType: 'NonMaxSuppression', domain: '', inputs: ['x'], outputs: ['y'], attrs: {} });
    output(g, 'y', 'int64', [1, 3]);
    expect(() => specialize(g, new Map())).toThrow(new UnsupportedError("Unsupported op 'NonMaxSuppression' in node 'nms' (opset 13)"));
  });

  test('Resize from sizes, Range-driven shapes and ConstantOfShape fold into initializers', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', ['n', 2, 'h', 'w']);
    init(g, 'idx', 'int64', [2], [2n, 3n]);
    init(g, 'two', 'int64', [], [2n]);
    init(g, 'zero', 'int64', [], [0n]);
    init(g, 'one', 'int64', [], [1n]);
    addNode(g, node('Shape', ['x'], ['s']));
    addNode(g, node('Gather', ['s', 'idx'], ['hw']));
    addNode(g, node('Mul', ['hw', 'two'], ['hw2']));
    addNode(g, node('Gather', ['s', 'zero'], ['n0']));
    addNode(g, node('Range', ['zero', 'n0', 'one'], ['r']));
    addNode(g, node('Shape', ['r'], ['rs']));
    addNode(g, node('Gather', ['s', 'one'], ['c0']));
    addNode(g, node('Unsqueeze', ['c0'], ['c1'], { axes: [0] }));
    g.opset = 11;
    addNode(g, node('Concat', ['rs', 'c1', 'hw2'], ['sizes'], { axis: 0 }));
    addNode(g, node('ConstantOfShape', ['sizes'], ['zeros']));
    init(g, 'roi', 'float32', [0], []);
    init(g, 'scales', 'float32', [0], []);
    addNode(g, node('Resize', ['x', 'roi', 'scales', 'sizes'], ['y'], { mode: 'nearest' }));
    addNode(g, node('Add', ['y', 'zeros'], ['z']));
    output(g, 'z', 'float32', ['n', 2, null, null]);
    const s = specialize(g, new Map([['x', [3, 2, 5, 7]]]));
    expect(s.nodes.map((n) => n.opType)).toEqual(['Resize', 'Add']);
    expect(Array.from(s.initializers.get('sizes')!.data as BigInt64Array)).toEqual([3n, 2n, 10n, 14n]);
    expect(s.initializers.get('zeros')!.dims).toEqual([3, 2, 10, 14]);
    expect(s.outputs[0].shape).toEqual([3, 2, 10, 14]);
    for (const n of s.nodes) for (const o of n.outputs) expect(s.valueInfo.get(o)!.shape.every((d) => typeof d === 'number')).toBe(true);
  });

  test('InferContext.forGraph lets later stages reuse rule helpers on a specialized graph', () => {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', ['n', 10]);
    init(g, 'starts', 'int64', [1], [-1n]);
    init(g, 'ends', 'int64', [1], [-9223372036854775807n]);
    init(g, 'axes', 'int64', [1], [1n]);
    init(g, 'steps', 'int64', [1], [-4n]);
    addNode(g, node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y']));
    output(g, 'y', 'float32', ['n', 3]);
    const s = specialize(g, new Map([['x', [2, 10]]]));
    const p = sliceParams(InferContext.forGraph(s, s.nodes[0]), s.valueInfo.get('x')!.shape as number[]);
    expect(p).toEqual({ starts: [0, 9], steps: [1, -4], counts: [2, 3] });
  });
});
