/**
 * The plan compiler's QConv + QAdd fusion (lib/plan/fuse-qadd.ts) on the Fashion-MNIST int8 models: the fused plan has
 * no QAdd left where a conv fed it, and its outputs are bit-identical to the unfused plan's on real test images
 * (engine.quantize results and the PyTorch-made QDQ fixture). Graph-level cases: what must not fuse.
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import type { Graph, Node } from '../lib/ir/graph';
import { attr, int8Node } from '../lib/ir/int8-ops';
import { native } from '../lib/native';
import { compilePlan } from '../lib/plan/compile';
import * as fuseQadd from '../lib/plan/fuse-qadd';
import type { NativePlanDesc } from '../lib/plan/plan-desc';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');
const SIZE = 28 * 28;
const calibrationImages = loadNpy(join(DIR, 'calibration.npy')).data as Float32Array;
const testImages = loadNpy(join(DIR, 'test-images.npy')).data as Float32Array;
const BATCH = 64;

function calibration(count: number): Record<string, Tensor>[] {
  const out: Record<string, Tensor>[] = [];
  for (let i = 0; i < count; i++) out.push({ input: new Tensor('float32', calibrationImages.slice(i * SIZE, (i + 1) * SIZE), [1, 1, 28, 28]) });
  return out;
}

/** The plan of `engine`'s optimized graph for `shape`, with the QAdd fusion on or off. */
function planDesc(engine: Engine, shape: number[], fuse: boolean): NativePlanDesc {
  const graph = (engine as unknown as { graph: Graph }).graph;
  const spy = fuse ? undefined : jest.spyOn(fuseQadd, 'fuseQAdds').mockImplementation((g) => g);
  try {
    return compilePlan(graph, new Map([[graph.inputs[0].name, shape]]), { threads: 1, isa: '' }).desc;
  } finally {
    spy?.mockRestore();
  }
}

/** Runs a plan at ISA level `isa` ('' = best) on `images` (batch of 28x28) and returns its first output's bytes. */
function runPlan(desc: NativePlanDesc, images: Float32Array, isa = ''): Uint8Array {
  const plan = new (native().Plan)({ ...desc, isa });
  try {
    return new Uint8Array(plan.runSync([images])[0]);
  } finally {
    plan.dispose();
  }
}

function countOps(desc: NativePlanDesc, type: string, withAttr?: string): number {
  return desc.ops.filter((op) => op.type === type && (!withAttr || op.attrs[withAttr] !== undefined)).length;
}

async function expectFusedIdentical(engine: Engine, expectedFusions: number): Promise<void> {
  const shape = [BATCH, 1, 28, 28];
  const fused = planDesc(engine, shape, true);
  const unfused = planDesc(engine, shape, false);
  const adds = countOps(unfused, 'QAdd');
  expect(adds).toBe(expectedFusions);
  expect(countOps(fused, 'QAdd')).toBe(0);
  expect(countOps(fused, 'QConv', 'add_y_scale')).toBe(expectedFusions);
  expect(fused.ops.length).toBe(unfused.ops.length - expectedFusions);
  // Every ISA level this CPU has (each picks its own GEMM, depthwise, epilogue and QAdd kernels).
  for (const isa of native().capabilities().levels) {
    for (let start = 0; start < 2 * BATCH; start += BATCH) {
      const images = testImages.slice(start * SIZE, (start + BATCH) * SIZE);
      const a = runPlan(fused, images, isa);
      const b = runPlan(unfused, images, isa);
      expect(a.length).toBe(BATCH * 10 * 4);
      expect([isa, Buffer.compare(Buffer.from(a), Buffer.from(b))]).toEqual([isa, 0]);
    }
  }
  // Through the engine too (its plan cache compiles with the fusion): the same bytes as the unfused plan.
  const images = testImages.slice(0, BATCH * SIZE);
  const viaEngine = engine.runSync({ input: new Tensor('float32', images, shape) });
  const logits = Object.values(viaEngine)[0].data as Float32Array;
  expect(Buffer.compare(Buffer.from(logits.buffer, logits.byteOffset, logits.byteLength), Buffer.from(runPlan(unfused, images)))).toBe(0);
}

describe('QConv + QAdd fusion on the Fashion-MNIST int8 models', () => {
  test.each([
    ['resnet-fmnist', 6],
    ['mobilenet-fmnist', 3],
  ])('%s: every residual QAdd joins its conv, outputs bit-identical', async (name, fusions) => {
    const fp32 = await Engine.load(join(DIR, `${name}.onnx`), { threads: 1 });
    const int8 = await fp32.quantize({ calibration: calibration(64) });
    try {
      await expectFusedIdentical(int8, fusions);
    } finally {
      int8.dispose();
      fp32.dispose();
    }
  }, 120000);

  test('the PyTorch-made QDQ fixture: outputs bit-identical with and without the fusion', async () => {
    const engine = await Engine.load(join(DIR, 'resnet-fmnist-qdq.onnx'), { threads: 1 });
    try {
      const unfused = planDesc(engine, [BATCH, 1, 28, 28], false);
      await expectFusedIdentical(engine, countOps(unfused, 'QAdd'));
      expect(countOps(unfused, 'QAdd')).toBeGreaterThan(0);
    } finally {
      engine.dispose();
    }
  }, 120000);
});

describe('fuseQAdds on graphs', () => {
  const shape = [1, 4, 5, 5];
  function graph(nodes: Node[], outputs: string[]): Graph {
    const valueInfo = new Map<string, { name: string; type: 'uint8'; shape: number[] }>();
    for (const n of nodes) for (const o of n.outputs) valueInfo.set(o, { name: o, type: 'uint8', shape: o === 'small' ? [1, 4, 1, 1] : shape });
    return {
      name: 'g',
      nodes,
      inputs: [{ name: 'x', type: 'uint8', shape }],
      outputs: outputs.map((o) => ({ name: o, type: 'uint8', shape })),
      initializers: new Map([['w', { type: 'int8', dims: [4, 4, 1, 1], data: new Int8Array(16).fill(1) }]]),
      valueInfo,
    } as unknown as Graph;
  }
  const qconv = (name: string, out: string, yScale = 0.5) =>
    int8Node(name, 'QConv', ['x', 'w'], [out], { x_scale: attr.f(0.1), w_scales: attr.fs([0.01]), y_scale: attr.f(yScale), y_zero_point: attr.i(3) });
  const qadd = (a: string, b: string, out = 'y', aScale = 0.5) =>
    int8Node('add', 'QAdd', [a, b], [out], {
      a_scale: attr.f(aScale), a_zero_point: attr.i(3), b_scale: attr.f(0.25), b_zero_point: attr.i(7), y_scale: attr.f(0.75), y_zero_point: attr.i(9), activation: attr.s('relu'),
    });

  test('fuses the later conv, takes the QAdd place and carries the QAdd parameters', () => {
    const g = fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), qconv('c2', 'v2'), qadd('v2', 'v1')], ['y']));
    expect(g.nodes.map((n) => n.name)).toEqual(['c1', 'c2']);
    const fused = g.nodes[1];
    expect(fused.inputs).toEqual(['x', 'w', '', 'v1']);
    expect(fused.outputs).toEqual(['y']);
    expect(fused.attrs.r_scale).toEqual(attr.f(0.25));
    expect(fused.attrs.r_zero_point).toEqual(attr.i(7));
    expect(fused.attrs.add_y_scale).toEqual(attr.f(0.75));
    expect(fused.attrs.add_y_zero_point).toEqual(attr.i(9));
    expect(fused.attrs.add_activation).toEqual(attr.s('relu'));
    expect(fused.attrs.y_scale).toEqual(attr.f(0.5));
  });

  test('moves the fused conv after the producer of its residual', () => {
    const g = fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), int8Node('pool', 'QMaxPool', ['x'], ['p'], {}), qadd('v1', 'p')], ['y']));
    expect(g.nodes.map((n) => n.name)).toEqual(['pool', 'c1']);
    expect(g.nodes[1].inputs[3]).toBe('p');
    expect(g.nodes[1].attrs.r_scale).toEqual(attr.f(0.25));
  });

  test('leaves shared, broadcast, differently quantized and graph-output conv outputs alone', () => {
    const names = (g: Graph) => g.nodes.map((n) => n.opType);
    const pool = int8Node('pool', 'QMaxPool', ['x'], ['p'], {});
    // the conv output is also a graph output
    expect(names(fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), pool, qadd('v1', 'p')], ['y', 'v1'])))).toContain('QAdd');
    // the conv output has a second reader
    const reader = int8Node('pool2', 'QMaxPool', ['v1'], ['p2'], {});
    expect(names(fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), pool, reader, qadd('v1', 'p')], ['y', 'p2'])))).toContain('QAdd');
    // the other operand broadcasts
    const small = int8Node('gap', 'QGlobalAveragePool', ['x'], ['small'], {});
    expect(names(fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), small, qadd('v1', 'small')], ['y'])))).toContain('QAdd');
    // the QAdd reads the conv output with another scale than the conv writes it with
    expect(names(fuseQadd.fuseQAdds(graph([qconv('c1', 'v1'), pool, qadd('v1', 'p', 'y', 0.4)], ['y'])))).toContain('QAdd');
    // a conv with f32 output
    const f32conv = qconv('c1', 'v1');
    f32conv.attrs.output_type = attr.s('float32');
    expect(names(fuseQadd.fuseQAdds(graph([f32conv, pool, qadd('v1', 'p')], ['y'])))).toContain('QAdd');
  });
});
