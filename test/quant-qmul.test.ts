/**
 * QMul on the Fashion-MNIST MobileNet after engine.quantize(): every squeeze-excite Mul runs as QMul on the u8 tensors
 * (no fp32 Mul, no Dequantize / Quantize around it), and the plan's outputs are bit-identical to the same graph with
 * each QMul expanded back into the DequantizeLinear x2 → Mul → QuantizeLinear chain it replaced, at every ISA level,
 * batch 1 (the per-channel rows kernel on [H*W, C] x [C]) and batch 64 (one channel vector per image). Bad QMul
 * attributes are refused when the native plan is built, with a message naming the node and the problem.
 */
import { join } from 'path';
import { Engine, Tensor } from '../lib';
import { loadNpy } from '../lib/format/npy';
import type { Graph, Node } from '../lib/ir/graph';
import { cloneGraph } from '../lib/ir/graph-utils';
import { OUTPUT_TYPE_ATTR, attr, int8Node, isInt8Node } from '../lib/ir/int8-ops';
import { native } from '../lib/native';
import { compilePlan } from '../lib/plan/compile';
import { DTYPE_CODE, NativeDType, NativePlanDesc, TENSOR_KIND } from '../lib/plan/plan-desc';

const DIR = join(__dirname, 'fixtures', 'fashion-mnist');
const SIZE = 28 * 28;
const calibrationImages = loadNpy(join(DIR, 'calibration.npy')).data as Float32Array;
const testImages = loadNpy(join(DIR, 'test-images.npy')).data as Float32Array;

function calibration(count: number): Record<string, Tensor>[] {
  return Array.from({ length: count }, (_, i) => ({ input: new Tensor('float32', calibrationImages.slice(i * SIZE, (i + 1) * SIZE), [1, 1, 28, 28]) }));
}

function numberAttr(node: Node, name: string): number {
  const a = node.attrs[name];
  if (!a || (a.kind !== 'float' && a.kind !== 'int')) throw new Error(`QMul ${node.name} has no ${name}`);
  return a.value;
}

/** `g` with every QMul replaced by the unfused chain: DQ(a), DQ(b) → fp32 Mul → Q, with the QMul's own parameters. */
function expandQMuls(g: Graph): Graph {
  const out = cloneGraph(g);
  out.nodes = out.nodes.flatMap((node) => {
    if (!isInt8Node(node, 'QMul')) return [node];
    const [a, b] = node.inputs;
    const fa = `${node.name}/a_float`;
    const fb = `${node.name}/b_float`;
    const product = `${node.name}/product`;
    const dq = (x: string, y: string, p: string): Node =>
      int8Node(`${node.name}/dq_${p}`, 'DequantizeLinear', [x], [y], { scale: attr.f(numberAttr(node, `${p}_scale`)), zero_point: attr.i(numberAttr(node, `${p}_zero_point`)) });
    return [
      dq(a, fa, 'a'),
      dq(b, fb, 'b'),
      { name: `${node.name}/mul`, opType: 'Mul', domain: '', inputs: [fa, fb], outputs: [product], attrs: {} },
      int8Node(`${node.name}/q`, 'QuantizeLinear', [product], [node.outputs[0]], {
        scale: attr.f(numberAttr(node, 'y_scale')),
        zero_point: attr.i(numberAttr(node, 'y_zero_point')),
        [OUTPUT_TYPE_ATTR]: attr.s('uint8'),
      }),
    ];
  });
  return out;
}

function planDesc(graph: Graph, batch: number): NativePlanDesc {
  return compilePlan(graph, new Map([[graph.inputs[0].name, [batch, 1, 28, 28]]]), { threads: 1, isa: '' }).desc;
}

/** Runs a plan at ISA level `isa` on `images`; returns its first output's bytes and the bytes of the `capture` tensors. */
function runPlan(desc: NativePlanDesc, images: Float32Array, isa: string, capture: number[]): Buffer[] {
  const plan = new (native().Plan)({ ...desc, isa });
  try {
    return plan.runSync([images], capture).map((b) => Buffer.from(b));
  } finally {
    plan.dispose();
  }
}

interface QMulCase {
  attrs?: Record<string, number | string>;
  a?: number[];
  b?: number[];
  y?: number[];
  aType?: NativeDType;
}
const GOOD = { a_scale: 0.1, a_zero_point: 3, b_scale: 0.004, b_zero_point: 0, y_scale: 0.05, y_zero_point: 128 };

/** A one-op plan: QMul of inputs A (default u8 [1, 4, 4, 8]) and B (u8 [1, 1, 1, 8]) into Y (u8 [1, 4, 4, 8]). */
function qmulDesc(c: QMulCase): NativePlanDesc {
  const shapes = [c.a ?? [1, 4, 4, 8], c.b ?? [1, 1, 1, 8], c.y ?? c.a ?? [1, 4, 4, 8]];
  const types: NativeDType[] = [c.aType ?? 'uint8', 'uint8', 'uint8'];
  const kinds = [TENSOR_KIND.input, TENSOR_KIND.input, TENSOR_KIND.output];
  let offset = 0;
  const tensors = shapes.map((shape, k) => {
    const t = { dtype: DTYPE_CODE[types[k]], shape, kind: kinds[k], offset };
    offset += Math.ceil((shape.reduce((x, y) => x * y, 1) * (types[k] === 'float32' ? 4 : 1)) / 64) * 64;
    return t;
  });
  const ops = [{ type: 'QMul', name: 'se/mul', inputs: [0, 1], outputs: [2], attrs: { ...GOOD, ...c.attrs } }];
  return { threads: 1, isa: '', arenaBytes: offset, tensors, ops, inputs: [0, 1], outputs: [2] };
}

/**
 * The DequantizeLinear x2 → Mul → QuantizeLinear chain in float32 arithmetic, written in JS: products of two floats
 * are exact in double and a double quotient rounded to float is the float quotient (53 >= 2 * 24 + 2), so fround
 * after each step gives exactly the float result; then clamp, round half to even, add the zero point.
 */
function chainInJs(a: number, b: number, q: typeof GOOD): number {
  const f = Math.fround;
  const ra = f((a - q.a_zero_point) * f(q.a_scale));
  const rb = f((b - q.b_zero_point) * f(q.b_scale));
  let v = f(f(ra * rb) / f(q.y_scale));
  if (Number.isNaN(v)) v = 0;
  v = Math.min(255 - q.y_zero_point, Math.max(-q.y_zero_point, v));
  const floor = Math.floor(v);
  const rounded = v - floor > 0.5 || (v - floor === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded + q.y_zero_point;
}

describe('QMul on the Fashion-MNIST MobileNet int8 model', () => {
  let fp32: Engine;
  let int8: Engine;
  let graph: Graph;

  beforeAll(async () => {
    fp32 = await Engine.load(join(DIR, 'mobilenet-fmnist.onnx'), { threads: 1 });
    int8 = await fp32.quantize({ calibration: calibration(64) });
    graph = (int8 as unknown as { graph: Graph }).graph;
  }, 120000);

  afterAll(() => {
    int8.dispose();
    fp32.dispose();
  });

  test('every squeeze-excite Mul becomes a per-channel QMul reading the u8 tensors directly', () => {
    const qmuls = graph.nodes.filter((n) => isInt8Node(n, 'QMul'));
    expect(qmuls).toHaveLength(2);
    expect(graph.nodes.filter((n) => n.opType === 'Mul')).toHaveLength(0);
    const desc = planDesc(graph, 1);
    expect(desc.ops.filter((op) => op.type === 'QMul')).toHaveLength(2);
    expect(desc.ops.filter((op) => op.type === 'Mul')).toHaveLength(0);
    // No DequantizeLinear left anywhere: every int8 op reads u8 (the classifier's QGemm writes fp32 itself).
    expect(desc.ops.filter((op) => op.type === 'DequantizeLinear')).toHaveLength(0);

    int8.runSync({ input: new Tensor('float32', testImages.slice(0, SIZE), [1, 1, 28, 28]) });
    const profiled = int8.profile().filter((p) => p.type === 'QMul');
    expect(profiled).toHaveLength(2);
    for (const p of profiled) expect(p.kernel).toMatch(/^qu8-mul-\w+ (per-channel|broadcast)$/);
    if (native().capabilities().levels.some((l) => l.startsWith('avx'))) for (const p of profiled) expect(p.kernel).toMatch(/per-channel$/);
  });

  test("every (a, b) byte pair with each QMul's own parameters equals the chain computed in JS, every ISA level", () => {
    const qmuls = graph.nodes.filter((n) => isInt8Node(n, 'QMul'));
    const a = Uint8Array.from({ length: 65536 }, (_, i) => i >> 8);
    const b = Uint8Array.from({ length: 65536 }, (_, i) => i & 255);
    for (const node of qmuls) {
      const q = Object.fromEntries(Object.keys(GOOD).map((k) => [k, numberAttr(node, k)])) as typeof GOOD;
      const want = Uint8Array.from(a, (v, i) => chainInJs(v, b[i], q));
      // Same shape (the elementwise kernel) and [256, 256] x [256] (the per-channel rows kernel, b = the channel).
      for (const shapes of [{ a: [65536], b: [65536] }, { a: [256, 256], b: [256] }]) {
        for (const isa of native().capabilities().levels) {
          const plan = new (native().Plan)({ ...qmulDesc({ attrs: q, ...shapes }), isa });
          try {
            const got = new Uint8Array(plan.runSync([a, shapes.b.length === 1 && shapes.b[0] === 256 ? b.subarray(0, 256) : b])[0]);
            let mismatches = 0;
            for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) mismatches++;
            expect([node.name, isa, shapes.a, mismatches]).toEqual([node.name, isa, shapes.a, 0]);
          } finally {
            plan.dispose();
          }
        }
      }
    }
  });

  test.each([1, 64])('batch %i: outputs bit-identical to the unfused DequantizeLinear → Mul → QuantizeLinear chain at every ISA level', (batch) => {
    const unfusedGraph = expandQMuls(graph);
    expect(unfusedGraph.nodes.filter((n) => n.opType === 'Mul')).toHaveLength(2);
    const fused = planDesc(graph, batch);
    const unfused = planDesc(unfusedGraph, batch);
    expect(unfused.ops.filter((op) => op.type === 'Mul')).toHaveLength(2);
    expect(unfused.ops.filter((op) => op.type === 'QMul')).toHaveLength(0);
    // The squeeze-excite outputs themselves (u8, compared byte for byte) besides the logits.
    const fusedSe = fused.ops.filter((op) => op.type === 'QMul').map((op) => op.outputs[0]);
    const unfusedSe = unfused.ops.filter((op) => op.type === 'QuantizeLinear' && op.name.endsWith('/q')).map((op) => op.outputs[0]);
    expect(unfusedSe).toHaveLength(2);
    const images = batch === 1 ? 24 : 2 * batch;
    for (const isa of native().capabilities().levels) {
      for (let start = 0; start < images; start += batch) {
        const input = testImages.slice(start * SIZE, (start + batch) * SIZE);
        const a = runPlan(fused, input, isa, fusedSe);
        const b = runPlan(unfused, input, isa, unfusedSe);
        expect(a[0].length).toBe(batch * 10 * 4);
        expect(a.map((x) => x.length)).toEqual(b.map((x) => x.length));
        expect([isa, start, a.map((x, k) => Buffer.compare(x, b[k]))]).toEqual([isa, start, [0, 0, 0]]);
      }
    }
  });
});

describe('QMul descriptors the native plan refuses', () => {
  function message(c: QMulCase): string {
    try {
      new (native().Plan)(qmulDesc(c)).dispose();
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  }

  test('a valid descriptor builds and computes the chain per channel', () => {
    const plan = new (native().Plan)(qmulDesc({}));
    try {
      const a = Uint8Array.from({ length: 128 }, (_, i) => (i * 37) & 255);
      const b = Uint8Array.from({ length: 8 }, (_, c) => c * 30);
      const y = new Uint8Array(plan.runSync([a, b])[0]);
      expect(Array.from(y)).toEqual(Array.from(a, (v, i) => chainInJs(v, b[i % 8], GOOD)));
    } finally {
      plan.dispose();
    }
  });

  test('bad scales, zero points, shapes and dtypes name the node and the problem', () => {
    const node = "QMul node 'se/mul': ";
    expect(message({ attrs: { a_scale: 0 } })).toContain(`${node}expected a finite scale > 0 for a_scale but received 0`);
    expect(message({ attrs: { b_scale: -0.5 } })).toContain(`${node}expected a finite scale > 0 for b_scale but received -0.5`);
    expect(message({ attrs: { y_scale: Infinity } })).toContain(`${node}expected a finite scale > 0 for y_scale`);
    expect(message({ attrs: { y_scale: 1e39 } })).toContain(`${node}expected a finite scale > 0 for y_scale`);
    expect(message({ attrs: { a_zero_point: 256 } })).toContain(`${node}expected a whole number in [0, 255] for a_zero_point but received 256`);
    expect(message({ attrs: { y_zero_point: 1.5 } })).toContain(`${node}expected a whole number in [0, 255] for y_zero_point but received 1.5`);
    expect(message({ attrs: { b_zero_point: -1 } })).toContain(`${node}expected a whole number in [0, 255] for b_zero_point but received -1`);
    expect(message({ b: [1, 1, 1, 9] })).toContain(`${node}inputs [1,4,4,8] and [1,1,1,9] do not broadcast`);
    expect(message({ y: [1, 4, 5, 8] })).toMatch(/^QMul node 'se\/mul': .*output Y/);
    expect(message({ aType: 'float32' })).toMatch(/^QMul node 'se\/mul': .*input A/);
  });
});
