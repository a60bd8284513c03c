/** Plan compiler structure: where Transposes appear, how axes and constants are remapped for NHWC, lowering rewrites. */
import type { Graph } from '../lib/ir/graph';
import { optimizeGraph } from '../lib/passes/pipeline';
import { compilePlan } from '../lib/plan/compile';
import type { NativePlanDesc } from '../lib/plan/plan-desc';
import { GraphBuilder } from './support/graph-builder';

function compile(g: Graph, shapes: Record<string, number[]>): NativePlanDesc {
  return compilePlan(optimizeGraph(g), new Map(Object.entries(shapes)), { threads: 1, isa: '' }).desc;
}
const types = (d: NativePlanDesc) => d.ops.map((o) => o.type);
const op = (d: NativePlanDesc, type: string) => d.ops.find((o) => o.type === type)!;
const shapeOf = (d: NativePlanDesc, id: number) => d.tensors[id].shape;

describe('layout', () => {
  test('a conv chain transposes only at the model boundary', () => {
    const b = new GraphBuilder(13);
    const c1 = b.node('Relu', [b.conv(b.input('x', [1, 3, 8, 8]), 3, 4, 3)]);
    const c2 = b.node('Sigmoid', [b.conv(c1, 4, 5, 3)]);
    b.node('Add', [c2, b.scalar(1)], {}, ['y']);
    b.output('y', [1, 5, 4, 4]);
    const d = compile(b.build(), { x: [1, 3, 8, 8] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'Conv', 'Add', 'Transpose']);
    expect(op(d, 'Transpose').attrs.perm).toEqual([0, 2, 3, 1]);
    expect(d.ops[4].attrs.perm).toEqual([0, 3, 1, 2]);
    expect(shapeOf(d, d.ops[1].outputs[0])).toEqual([1, 6, 6, 4]);
    expect(shapeOf(d, d.outputs[0])).toEqual([1, 5, 4, 4]);
  });

  test('per-channel Mul constant is permuted to [1,1,1,C]; Concat on axis 1 runs on axis 3', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [1, 3, 6, 6]);
    const c = b.node('Relu', [b.conv(x, 3, 2, 1)]); // the Relu keeps the Mul from folding into the Conv
    const m = b.node('Mul', [c, b.init('s', [2, 1, 1], [2, 3])]);
    b.node('Concat', [m, b.conv(x, 3, 4, 1)], { axis: 1 }, ['y']);
    b.output('y', [1, 6, 6, 6]);
    const d = compile(b.build(), { x: [1, 3, 6, 6] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'Mul', 'Conv', 'Concat', 'Transpose']);
    const mul = op(d, 'Mul');
    const constant = d.tensors[mul.inputs[1]];
    expect(constant.shape).toEqual([1, 1, 1, 2]);
    expect(Array.from(new Float32Array(constant.data!.slice().buffer))).toEqual([2, 3]);
    expect(op(d, 'Concat').attrs.axis).toBe(3);
  });

  test('Flatten after a global pool needs no Transpose (H = W = 1): a Reshape suffices', () => {
    const b = new GraphBuilder(13);
    const g = b.node('GlobalAveragePool', [b.conv(b.input('x', [2, 3, 5, 5]), 3, 8, 3)]);
    b.node('Flatten', [g], {}, ['y']);
    b.output('y', [2, 8]);
    const d = compile(b.build(), { x: [2, 3, 5, 5] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'GlobalAveragePool', 'Reshape', 'Reshape']);
  });

  test('Softmax / ReduceMean / Slice / Pad on NHWC tensors get remapped axes', () => {
    const b = new GraphBuilder(13);
    const c = b.conv(b.input('x', [1, 4, 6, 6]), 4, 4, 1);
    const s = b.node('Softmax', [c], { axis: 1 });
    const r = b.node('ReduceMean', [s], { axes: [1, 2], keepdims: 1 });
    const p = b.node('Pad', [r, b.init('pads', [8], [0, 0, 1, 0, 0, 0, 2, 0], 'int64')]);
    b.node('Slice', [p, b.init('st', [1], [1], 'int64'), b.init('en', [1], [3], 'int64'), b.init('ax', [1], [2], 'int64')], {}, ['y']);
    b.output('y', [1, 1, 2, 6]);
    const d = compile(b.build(), { x: [1, 4, 6, 6] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'Softmax', 'ReduceMean', 'Pad', 'Slice', 'Reshape']);
    expect(op(d, 'Softmax').attrs.axis).toBe(3);
    expect(op(d, 'ReduceMean').attrs.axes).toEqual([1, 3]);
    expect(op(d, 'Pad').attrs.pads).toEqual([0, 1, 0, 0, 0, 2, 0, 0]);
    expect(op(d, 'Slice').attrs).toEqual({ starts: [0, 1, 0, 0], steps: [1, 1, 1, 1] });
  });

  test('ReduceMean without keepdims over H only falls back to NCHW (kept axes would be out of model order)', () => {
    const b = new GraphBuilder(13);
    const c = b.conv(b.input('x', [1, 4, 6, 6]), 4, 4, 1);
    b.node('ReduceMean', [c], { axes: [2], keepdims: 0 }, ['y']);
    b.output('y', [1, 4, 6]);
    const d = compile(b.build(), { x: [1, 4, 6, 6] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'Transpose', 'ReduceMean']);
    expect(op(d, 'ReduceMean').attrs.axes).toEqual([2]);
  });

  test('a model Transpose on an NHWC tensor is folded into one Transpose (or a Reshape)', () => {
    const b = new GraphBuilder(13);
    const c = b.conv(b.input('x', [1, 4, 6, 6]), 4, 4, 1);
    b.node('Transpose', [c], { perm: [0, 2, 3, 1] }, ['y']);
    b.output('y', [1, 6, 6, 4]);
    const d = compile(b.build(), { x: [1, 4, 6, 6] });
    expect(types(d)).toEqual(['Transpose', 'Conv', 'Reshape']);
  });
});

test('a model Transpose between NHWC ops becomes one Transpose, not three', () => {
  const b = new GraphBuilder(13);
  const c = b.conv(b.input('x', [1, 4, 6, 5]), 4, 4, 1);
  const t = b.node('Transpose', [c], { perm: [0, 1, 3, 2] });
  b.node('Relu', [b.conv(t, 4, 4, 1)], {}, ['y']);
  b.output('y', [1, 4, 5, 6]);
  const d = compile(b.build(), { x: [1, 4, 6, 5] });
  expect(types(d)).toEqual(['Transpose', 'Conv', 'Transpose', 'Conv', 'Transpose']);
  // NHWC [1,6,5,4] → swap H and W → NHWC [1,5,6,4]
  expect(d.ops[2].attrs.perm).toEqual([0, 2, 1, 3]);
});

describe('lowering', () => {
  test('pads become [t, l, b, r]; SAME_UPPER pads are computed; 1-D conv runs as 2-D with H = 1', () => {
    const b = new GraphBuilder(13);
    b.node('Conv', [b.input('x', [1, 2, 9, 8]), b.init('w', [3, 2, 3, 3])], { auto_pad: 'SAME_UPPER', strides: [2, 2] }, ['y']);
    b.output('y', [1, 3, 5, 4]);
    const d = compile(b.build(), { x: [1, 2, 9, 8] });
    expect(op(d, 'Conv').attrs.pads).toEqual([1, 0, 1, 1]);

    const b1 = new GraphBuilder(13);
    b1.node('Conv', [b1.input('x', [2, 3, 10]), b1.init('w', [4, 3, 3])], { pads: [1, 2] }, ['y']);
    b1.output('y', [2, 4, 11]);
    const d1 = compile(b1.build(), { x: [2, 3, 10] });
    const conv = op(d1, 'Conv');
    expect(conv.attrs).toMatchObject({ kernel_shape: [1, 3], strides: [1, 1], pads: [0, 1, 0, 2] });
    expect(shapeOf(d1, conv.inputs[1])).toEqual([4, 3, 1, 3]);
    expect(shapeOf(d1, conv.outputs[0])).toEqual([2, 1, 11, 4]);
  });

  test('Clip inputs become attrs; Max of three is a chain of binary Max; Slice is normalized per axis', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [4, 6]);
    const c = b.node('Clip', [x, b.scalar(-1), b.scalar(2)]);
    const s = b.node('Max', [c, x, c]);
    b.node('Slice', [s, b.init('st', [2], [-3, 5], 'int64'), b.init('en', [2], [100, 0], 'int64'), b.init('ax', [2], [0, 1], 'int64'), b.init('sp', [2], [1, -2], 'int64')], {}, ['y']);
    b.output('y', [3, 3]);
    const d = compile(b.build(), { x: [4, 6] });
    expect(types(d)).toEqual(['Clip', 'Max', 'Max', 'Slice']);
    expect(op(d, 'Clip').attrs).toEqual({ min: -1, max: 2 });
    expect(op(d, 'Slice').attrs).toEqual({ starts: [1, 5], steps: [1, -2] });
  });

  test('standalone BatchNormalization becomes ChannelAffine with precomputed scale and bias', () => {
    const b = new GraphBuilder(13);
    const x = b.input('x', [2, 2, 3]);
    b.node('BatchNormalization', [x, b.init('g', [2], [1, 2]), b.init('b', [2], [0, 1]), b.init('m', [2], [1, -1]), b.init('v', [2], [4, 1])], { epsilon: 0 }, ['y']);
    b.output('y', [2, 2, 3]);
    const d = compile(b.build(), { x: [2, 2, 3] });
    const ca = op(d, 'ChannelAffine');
    expect(ca.attrs).toEqual({ axis: 1 });
    const floats = (id: number) => Array.from(new Float32Array(d.tensors[id].data!.slice().buffer));
    expect(floats(ca.inputs[1])).toEqual([0.5, 2]);
    expect(floats(ca.inputs[2])).toEqual([-0.5, 3]);
  });

  test('opset-11 Softmax on a middle axis becomes Reshape → Softmax(axis 1) → Reshape', () => {
    const b = new GraphBuilder(11);
    b.node('Softmax', [b.input('x', [2, 3, 4])], { axis: 1 }, ['y']);
    b.output('y', [2, 3, 4]);
    const d = compile(b.build(), { x: [2, 3, 4] });
    expect(types(d)).toEqual(['Reshape', 'Softmax', 'Reshape']);
    expect(shapeOf(d, d.ops[1].inputs[0])).toEqual([2, 12]);
  });
});
