/** IR utilities: attributes, cloning, producer/consumer maps, topological sort, names, tensor values, op support. */
import { ModelFormatError, UnsupportedError } from '../lib/errors';
import { attrFloat, attrFloats, attrInt, attrInts, attrString, attrTensor } from '../lib/ir/attributes';
import { cloneGraph, consumerMap, producerMap, topoSort, uniqueName } from '../lib/ir/graph-utils';
import { assertSupported, SUPPORTED_OPS } from '../lib/ir/op-support';
import {
  elementCount,
  float16BitsToNumber,
  float32ToFloat16Bits,
  makeTensor,
  scalarOf,
  toBigInts,
  toNumbers,
} from '../lib/ir/tensor-values';
import { addNode, emptyGraph, f, init, input, node, output } from './onnx-graph-builder';

describe('attributes', () => {
  const n = { ...node('Conv', ['x', 'w'], ['y'], { group: 2, alpha: f(0.5), pads: [1, 1], scales: [0.5, 2.5], mode: 'linear', t: makeTensor('int64', [1], [3n]) }), name: 'conv1' };

  test('typed reads with and without fallbacks', () => {
    expect(attrInt(n, 'group')).toBe(2);
    expect(attrInt(n, 'missing', 7)).toBe(7);
    expect(attrFloat(n, 'alpha')).toBe(0.5);
    expect(attrFloat(n, 'group')).toBe(2); // an INT where a float is expected is accepted
    expect(attrInts(n, 'pads')).toEqual([1, 1]);
    expect(attrFloats(n, 'scales')).toEqual([0.5, 2.5]);
    expect(attrString(n, 'mode')).toBe('linear');
    expect(attrTensor(n, 't').dims).toEqual([1]);
  });

  test('missing or mistyped attributes name attribute, node and op', () => {
    expect(() => attrInt(n, 'strides')).toThrow(new ModelFormatError("Expected attribute 'strides' for node 'conv1' (Conv) but it is missing"));
    expect(() => attrInt(n, 'mode')).toThrow(
      new ModelFormatError("Expected attribute 'mode' of kind int for node 'conv1' (Conv) but received kind string"),
    );
    expect(() => attrString(n, 'group', 'x')).toThrow(/of kind string for node 'conv1' \(Conv\) but received kind int/);
  });
});

describe('graph utilities', () => {
  function graph() {
    const g = emptyGraph(13);
    input(g, 'x', 'float32', [2]);
    init(g, 'c', 'float32', [1], [1]);
    addNode(g, node('Add', ['x', 'c'], ['a']));
    addNode(g, node('Mul', ['a', 'a'], ['b']));
    addNode(g, node('Relu', ['a'], ['r']));
    output(g, 'b', 'float32', [2]);
    output(g, 'r', 'float32', [2]);
    return g;
  }

  test('cloneGraph: passes on the clone never touch the original', () => {
    const g = graph();
    const c = cloneGraph(g);
    c.nodes[0].inputs[0] = 'changed';
    c.nodes[0].attrs.extra = { kind: 'int', value: 1 };
    c.nodes.pop();
    c.initializers.delete('c');
    c.inputs[0].shape[0] = 9;
    c.valueInfo.set('a', { name: 'a', type: 'float32', shape: [2] });
    expect(g.nodes[0].inputs[0]).toBe('x');
    expect(g.nodes[0].attrs.extra).toBeUndefined();
    expect(g.nodes).toHaveLength(3);
    expect(g.initializers.has('c')).toBe(true);
    expect(g.inputs[0].shape).toEqual([2]);
    expect(g.valueInfo.size).toBe(0);
    expect(cloneGraph(g)).toEqual(g);
  });

  test('producer and consumer maps', () => {
    const g = graph();
    const p = producerMap(g);
    expect(p.get('a')!.opType).toBe('Add');
    expect(p.has('x')).toBe(false);
    const consumers = consumerMap(g);
    expect(consumers.get('a')!.map((n) => n.opType)).toEqual(['Mul', 'Relu']);
    expect(consumers.get('c')!.map((n) => n.opType)).toEqual(['Add']);
  });

  test('topoSort restores dependency order, keeps a sorted graph unchanged, and reports cycles', () => {
    const g = graph();
    const sorted = g.nodes.map((n) => n.name);
    topoSort(g);
    expect(g.nodes.map((n) => n.name)).toEqual(sorted);
    g.nodes.reverse();
    topoSort(g);
    expect(g.nodes[0].opType).toBe('Add');
    g.nodes[0].inputs[0] = 'b';
    expect(() => topoSort(g)).toThrow(/cycle through node/);
    const twice = graph();
    twice.nodes[2].outputs[0] = 'b';
    expect(() => topoSort(twice)).toThrow("Value 'b' is produced by both node 'Mul_1' and node 'Relu_2'");
  });

  test('uniqueName avoids values, initializers and node names', () => {
    const g = graph();
    expect(uniqueName(g, 'fresh')).toBe('fresh');
    expect(uniqueName(g, 'a')).toBe('a_1');
    expect(uniqueName(g, 'Add_0')).toBe('Add_0_1');
    g.valueInfo.set('a_1', { name: 'a_1', type: 'float32', shape: [] });
    expect(uniqueName(g, 'a')).toBe('a_2');
  });
});

describe('tensor values', () => {
  test('element counts check dims and limits', () => {
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([])).toBe(1);
    expect(elementCount([5, 0])).toBe(0);
    expect(() => elementCount([2, -1], "initializer 'w'")).toThrow("Expected non-negative integer dimensions for initializer 'w' but received [2, -1]");
    expect(() => elementCount([65536, 65536])).toThrow(/at most 2147483647 elements/);
  });

  test('makeTensor converts and checks counts; toNumbers/toBigInts/scalarOf read back', () => {
    expect(makeTensor('int32', [3], [1.9, -1.9, 3]).data).toEqual(new Int32Array([1, -1, 3]));
    expect(makeTensor('bool', [2], [true, 0]).data).toEqual(new Uint8Array([1, 0]));
    expect(makeTensor('int64', [2], [-1, 9007199254740993n]).data).toEqual(new BigInt64Array([-1n, 9007199254740993n]));
    expect(() => makeTensor('float32', [2, 2], [1])).toThrow(RangeError);
    expect(toNumbers(makeTensor('int64', [2], [3n, -4n]))).toEqual([3, -4]);
    expect(toBigInts(makeTensor('float32', [2], [2.5, -2.5]))).toEqual([2n, -2n]);
    expect(scalarOf(makeTensor('float32', [1, 1], [4.5]))).toBe(4.5);
    expect(() => scalarOf(makeTensor('float32', [2], [1, 2]), 'alpha')).toThrow('Expected a single-element tensor for alpha but received shape [2]');
  });

  test('float16 conversion: exact values, rounding to nearest even, subnormals, overflow, NaN', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -14, 2 ** -24, -0.333251953125]) expect(float16BitsToNumber(float32ToFloat16Bits(v))).toBe(v);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0);
    expect(Number.isNaN(float16BitsToNumber(float32ToFloat16Bits(NaN)))).toBe(true);
    expect(float16BitsToNumber(0xfc00)).toBe(-Infinity);
  });
});

describe('assertSupported', () => {
  function one(op: string, a: Parameters<typeof node>[3] = {}, opset = 17, domain = '', inputs = ['x']) {
    const g = emptyGraph(opset);
    input(g, 'x', 'float32', [1, 3, 8, 8]);
    g.nodes.push({ ...node(op, inputs, ['y'], a, domain), name: 'n1' });
    output(g, 'y', 'float32', [1]);
    return g;
  }

  test('every listed op passes', () => {
    for (const key of Object.keys(SUPPORTED_OPS)) {
      const [domain, op] = key.includes('.') ? key.split('.') : ['', key];
      expect(() => assertSupported(one(op, {}, 17, domain))).not.toThrow();
    }
  });

  test('unknown ops and domains are named with node and opset', () => {
    expect(() => assertSupported(one('NonMaxSuppression'))).toThrow(
      new UnsupportedError("Unsupported op 'NonMaxSuppression' in node 'n1' (opset 17)"),
    );
    const g = one('FusedConv', {}, 17, 'com.microsoft');
    g.otherOpsets['com.microsoft'] = 1;
    expect(() => assertSupported(g)).toThrow("Unsupported op 'com.microsoft.FusedConv' in node 'n1' (opset 1)");
    try {
      assertSupported(one('Loop', {}, 13));
    } catch (e) {
      expect(e).toBeInstanceOf(UnsupportedError);
      expect((e as UnsupportedError).opType).toBe('Loop');
      expect((e as UnsupportedError).nodeName).toBe('n1');
      expect((e as UnsupportedError).opset).toBe(13);
    }
  });

  test('unsupported attribute values', () => {
    expect(() => assertSupported(one('Resize', { mode: 'cubic' }, 13))).toThrow(
      new UnsupportedError("Unsupported attribute value mode='cubic' of Resize in node 'n1' (opset 13)"),
    );
    expect(() => assertSupported(one('Resize', { coordinate_transformation_mode: 'tf_crop_and_resize' }))).toThrow(
      /coordinate_transformation_mode='tf_crop_and_resize' of Resize/,
    );
    expect(() => assertSupported(one('Resize', { antialias: 1 }, 18))).toThrow(/antialias=1/);
    expect(() => assertSupported(one('Pad', { mode: 'wrap' }, 19))).toThrow(/mode='wrap' of Pad/);
    expect(() => assertSupported(one('Cast', { to: 11 }))).toThrow(/to=11 of Cast/);
    expect(() => assertSupported(one('BatchNormalization', { training_mode: 1 }))).toThrow(/training_mode=1/);
    expect(() => assertSupported(one('Conv', { kernel_shape: [3, 3, 3] }))).toThrow("Unsupported spatial rank 3 of Conv in node 'n1' (opset 17)");
    expect(() => assertSupported(one('ConvTranspose', { kernel_shape: [3] }))).toThrow(/spatial rank 1 of ConvTranspose/);
    const indices = one('MaxPool', { kernel_shape: [2, 2] });
    indices.nodes[0].outputs.push('idx');
    expect(() => assertSupported(indices)).toThrow(/optional output 'idx'/);
    expect(() => assertSupported(one('Conv', { kernel_shape: [3] }))).not.toThrow();
  });
});
