/** Graph-level tests of the QDQ import: which int8 ops each pattern becomes, what stays fp32, and bad QDQ errors at load. */
import * as path from 'path';
import { readFileSync } from 'fs';
import type { Graph, Node } from '../lib/ir/graph';
import { decodeModel } from '../lib/onnx/decode';
import { optimizeGraph } from '../lib/passes/pipeline';
import { opTypes } from './support/graph-builder';
import { IN, QdqBuilder, qdqCases, qlinearCases } from './support/qdq-graphs';

const FIXTURE = path.join(__dirname, 'fixtures', 'fashion-mnist', 'resnet-fmnist-qdq.onnx');

function sorted(list: string[]): string[] {
  return [...list].sort();
}

function only(g: Graph, opType: string): Node[] {
  return g.nodes.filter((n) => n.opType === opType);
}

describe('QDQ import: patterns → int8 ops', () => {
  for (const c of [...qdqCases(), ...qlinearCases()]) {
    test(c.name, () => {
      expect(sorted(opTypes(optimizeGraph(c.graph)))).toEqual(sorted(c.ops));
    });
  }

  test('conv attributes follow the native contract: scales as attrs, int8 weights, bias int32 kept exact', () => {
    const c = qdqCases().find((k) => k.name === 'conv 3x3 pad 1 + relu')!;
    const src = c.graph;
    const g = optimizeGraph(src);
    const [conv] = only(g, 'QConv');
    const attrs = Object.fromEntries(Object.entries(conv.attrs).map(([k, v]) => [k, (v as { value: unknown }).value]));
    expect(attrs.x_scale).toBeCloseTo(IN.scale, 9);
    expect(attrs.x_zero_point).toBe(IN.zp);
    expect(attrs.activation).toBe('relu');
    expect(attrs.y_zero_point).toBe(0);
    expect(attrs.output_type).toBe('uint8');
    expect(conv.attrs.x_scale.kind).toBe('float');
    const srcW = src.initializers.get(src.nodes.find((n) => n.opType === 'DequantizeLinear' && src.initializers.get(n.inputs[0])?.type === 'int8')!.inputs[0])!;
    const w = g.initializers.get(conv.inputs[1])!;
    expect(w.type).toBe('int8');
    expect(w.dims).toEqual([8, 4, 3, 3]);
    expect(Array.from(w.data as Int8Array)).toEqual(Array.from(srcW.data as Int8Array));
    expect((attrs.w_scales as number[]).length).toBe(8);
    const srcB = [...src.initializers.values()].find((t) => t.type === 'int32')!;
    const bias = g.initializers.get(conv.inputs[2])!;
    expect(bias.type).toBe('int32');
    expect(Array.from(bias.data as Int32Array)).toEqual(Array.from(srcB.data as Int32Array));
  });

  test('QAT export: fp32 weights quantized inside the graph (Q of a constant, per channel) become int8 weights', () => {
    const b = new QdqBuilder(13);
    const x = b.input('x', [1, 2, 3, 3]);
    const w = b.init('w', [2, 2, 1, 1], [0.1, -0.25, 0.5, 1.27]);
    const s = b.init('ws', [2], [0.01, 0.02]);
    const z = b.init('wz', [2], [0, 0], 'int8');
    const wq = b.node('QuantizeLinear', [w, s, z], { axis: 0 });
    const y = b.node('Conv', [b.qdq(x, IN), b.node('DequantizeLinear', [wq, s, z], { axis: 0 })], { kernel_shape: [1, 1] });
    b.node('Identity', [b.qdq(y, { scale: 0.05, zp: 128 })], {}, ['y']);
    b.output('y');
    const g = optimizeGraph(b.build());
    const [conv] = only(g, 'QConv');
    expect(Array.from(g.initializers.get(conv.inputs[1])!.data as Int8Array)).toEqual([10, -25, 25, 64]);
    expect(conv.attrs.w_scales).toEqual({ kind: 'floats', value: [Math.fround(0.01), Math.fround(0.02)] });
  });

  test('the PyTorch QDQ fixture becomes int8 end to end: 16 QConv, 6 QAdd (+ReLU), pool, QGemm, no fp32 compute', () => {
    const g = optimizeGraph(decodeModel(readFileSync(FIXTURE)));
    const types = opTypes(g);
    const count = (t: string) => types.filter((x) => x === t).length;
    expect(count('sparq.QConv')).toBe(16);
    expect(count('sparq.QAdd')).toBe(6);
    expect(count('sparq.QGlobalAveragePool')).toBe(1);
    expect(count('sparq.QGemm')).toBe(1);
    expect(count('sparq.QuantizeLinear')).toBe(1);
    expect(count('sparq.DequantizeLinear')).toBe(1);
    expect(types.filter((t) => !t.startsWith('sparq.'))).toEqual(['Flatten']);
    expect(only(g, 'QAdd').every((n) => n.attrs.activation.kind === 'string' && n.attrs.activation.value === 'relu')).toBe(true);
  });
});

describe('QDQ import: what stays fp32', () => {
  function convWithWeights(values: number[], zp: number, axis?: number): Graph {
    const b = new QdqBuilder(13);
    const x = b.input('x', [1, 2, 4, 4]);
    const w = b.init('w', [2, 2, 1, 1], values, 'int8');
    const perAxis = axis !== undefined;
    const s = b.init('ws', perAxis ? [2] : [], perAxis ? [0.01, 0.02] : [0.01]);
    const z = b.init('wz', perAxis ? [2] : [], perAxis ? [zp, zp] : [zp], 'int8');
    const wdq = b.node('DequantizeLinear', [w, s, z], perAxis ? { axis } : {});
    const y = b.node('Conv', [b.qdq(x, IN), wdq], { kernel_shape: [1, 1] });
    b.node('Identity', [b.qdq(y, { scale: 0.05, zp: 128 })], {}, ['y']);
    b.output('y');
    return b.build();
  }

  test('a weight zero point is subtracted when the result fits int8', () => {
    const g = optimizeGraph(convWithWeights([10, -20, 30, 40], 5));
    const [conv] = only(g, 'QConv');
    expect(Array.from(g.initializers.get(conv.inputs[1])!.data as Int8Array)).toEqual([5, -25, 25, 35]);
  });

  test('a weight zero point that pushes weights out of int8 keeps the layer fp32 on dequantized weights', () => {
    const g = optimizeGraph(convWithWeights([127, -20, 30, 40], -100));
    expect(only(g, 'QConv')).toHaveLength(0);
    const [conv] = only(g, 'Conv');
    const w = g.initializers.get(conv.inputs[1])!;
    expect(w.type).toBe('float32');
    expect(Array.from(w.data as Float32Array)).toEqual([227, 80, 130, 140].map((v) => Math.fround(v * Math.fround(0.01))));
  });

  test('per-axis weight scales on an axis other than the output channel fold to an fp32 constant', () => {
    const g = optimizeGraph(convWithWeights([1, 2, 3, 4], 0, 1));
    expect(only(g, 'QConv')).toHaveLength(0);
    const w = g.initializers.get(only(g, 'Conv')[0].inputs[1])!;
    expect(Array.from(w.data as Float32Array)).toEqual([1 * 0.01, 2 * 0.02, 3 * 0.01, 4 * 0.02].map((v) => Math.fround(v)));
  });

  test('an fp32 op between DQ and Q (Softmax) stays fp32 with native Q / DQ around it', () => {
    const b = new QdqBuilder(13);
    const x = b.input('x', [2, 5]);
    b.node('Identity', [b.qdq(b.node('Softmax', [b.qdq(x, IN)], { axis: 1 }), { scale: 1 / 255, zp: 0 })], {}, ['y']);
    b.output('y');
    const types = opTypes(optimizeGraph(b.build()));
    expect(sorted(types)).toEqual(sorted(['sparq.QuantizeLinear', 'sparq.DequantizeLinear', 'Softmax', 'sparq.QuantizeLinear', 'sparq.DequantizeLinear', 'Identity']));
  });

  test('BN folding and fp32 fusions leave int8 ops alone while still fusing the fp32 part', () => {
    const b = new QdqBuilder(13);
    const x = b.input('x', [1, 4, 6, 6]);
    const fp = b.node('Relu', [b.conv(x, 4, 4, 3, { pads: [1, 1, 1, 1] })]);
    const w = b.weights([4, 4, 1, 1], true);
    const q = b.node('Conv', [b.qdq(fp, IN), w], { kernel_shape: [1, 1] });
    b.node('Identity', [b.qdq(q, { scale: 0.05, zp: 128 })], {}, ['y']);
    b.output('y');
    const g = optimizeGraph(b.build());
    expect(sorted(opTypes(g))).toEqual(sorted(['Conv', 'sparq.QuantizeLinear', 'sparq.QConv', 'sparq.DequantizeLinear', 'Identity']));
    const fpConv = only(g, 'Conv')[0];
    expect(fpConv.attrs.activation).toEqual({ kind: 'string', value: 'relu' });
  });
});

describe('QDQ import: bad quantization parameters fail at load', () => {
  function withScale(scale: number[], zp: number[], zpType: 'uint8' | 'int8' | 'int32' = 'uint8', axis?: number): Graph {
    const b = new QdqBuilder(13);
    const x = b.input('x', [1, 3, 2, 2]);
    const s = b.init('s', scale.length === 1 && axis === undefined ? [] : [scale.length], scale);
    const z = b.init('z', zp.length === 1 && axis === undefined ? [] : [zp.length], zp, zpType);
    const q = b.node('QuantizeLinear', [x, s, z], axis === undefined ? {} : { axis }, ['q']);
    b.node('DequantizeLinear', [q, s, z], axis === undefined ? {} : { axis }, ['y']);
    b.output('y');
    return b.build();
  }

  test.each([
    ['zero scale', [0], [0], 'uint8', /Expected finite scales > 0 for node 'QuantizeLinear_0' \(QuantizeLinear\) but received scale 0/],
    ['negative scale', [-0.5], [0], 'uint8', /Expected finite scales > 0 .* but received scale -0.5/],
    ['NaN scale', [NaN], [0], 'uint8', /Expected finite scales > 0 .* but received scale NaN/],
    ['zero point out of range', [0.1], [300], 'int32', /Expected zero points in \[0, 255\] \(uint8\) or \[-128, 127\] \(int8\) .* but received 300 \(int32\)/],
  ] as const)('%s', (_name, scale, zp, type, message) => {
    expect(() => optimizeGraph(withScale([...scale], [...zp], type))).toThrow(message);
    try {
      optimizeGraph(withScale([...scale], [...zp], type));
    } catch (err) {
      expect((err as Error).name).toBe('ModelFormatError');
    }
  });

  test('per-axis scale and zero point of different lengths', () => {
    expect(() => optimizeGraph(withScale([0.1, 0.2, 0.3], [1, 2], 'uint8', 1))).toThrow(
      /Expected a zero point of 3 elements like the scale for node 'QuantizeLinear_0' \(QuantizeLinear\) but received 2 elements/,
    );
  });

  test('per-axis scales whose length differs from the axis dimension (constant data)', () => {
    const b = new QdqBuilder(13);
    b.input('x', [1]);
    const w = b.init('w', [4, 2], [1, 2, 3, 4, 5, 6, 7, 8], 'int8');
    const s = b.init('s', [3], [0.1, 0.2, 0.3]);
    const dq = b.node('DequantizeLinear', [w, s], { axis: 0 });
    b.node('MatMul', [b.node('Unsqueeze', ['x', b.init('axes', [1], [0], 'int64')]), b.node('Slice', [dq, b.init('st', [1], [0], 'int64'), b.init('en', [1], [1], 'int64')])], {}, ['y']);
    b.output('y');
    expect(() => optimizeGraph(b.build())).toThrow(/Expected per-axis scales of length 4 \(dimension 0 of \[4, 2\]\) for node 'DequantizeLinear_0' \(DequantizeLinear\) but received 3 scales/);
  });
});
