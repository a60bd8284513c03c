/** specialize(): concrete shapes for every value, shape math folded, input shapes checked against declarations. */
import { ModelFormatError, UnsupportedError } from '../lib/errors';
import { specialize } from '../lib/passes/shape-inference';
import { addNode, emptyGraph, init, input, node, output, randomFloats } from './onnx-graph-builder';

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
});
