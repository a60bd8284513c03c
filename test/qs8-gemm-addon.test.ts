/**
 * @jest-environment ./test/onnx-ort-environment.js
 */
/**
 * int8 GEMM through the addon (kernel-bench exports): every kernel this CPU can run gives the same bytes, the s32
 * accumulators equal onnxruntime's MatMulInteger exactly, the u8 results stay within one step of its
 * QLinearMatMul (its requantization rounds on its own path), and zero sizes are rejected with a clear message.
 */
import { encodeModel } from '../lib/onnx/encode';
import type { Graph, TensorValue } from '../lib/ir/graph';
import { native } from '../lib/native';
import { ortEval } from './support/ort';

interface KernelBench {
  qs8GemmKernels(): { name: string; isa: string; usable: boolean }[];
  qs8GemmRun(options: Record<string, unknown>): Uint8Array | Int32Array | Float32Array;
}

function bench(): KernelBench {
  const b = native() as unknown as Partial<KernelBench>;
  if (typeof b.qs8GemmRun !== 'function' || typeof b.qs8GemmKernels !== 'function')
    throw new Error('the addon lacks the kernel-bench exports: native/addon/module.cc must call AddKernelBenchExports');
  return b as KernelBench;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 8;
  };
}

function problem(seed: number, m: number, n: number, k: number) {
  const next = lcg(seed);
  const a = new Uint8Array(m * k).map(() => next() & 255);
  const w = new Int8Array(k * n).map(() => (next() & 255) - 128);
  return { m, n, k, a, w };
}

const scalar = (type: TensorValue['type'], data: TensorValue['data']): TensorValue => ({ type, dims: [], data });

function matmulModel(op: 'MatMulInteger' | 'QLinearMatMul', m: number, n: number, k: number, w: Int8Array, q: Record<string, number>): Uint8Array {
  const initializers = new Map<string, TensorValue>();
  initializers.set('w', { type: 'int8', dims: [k, n], data: w });
  initializers.set('a_zero_point', scalar('uint8', new Uint8Array([q.aZeroPoint])));
  initializers.set('w_zero_point', scalar('int8', new Int8Array([0])));
  let inputs = ['a', 'w', 'a_zero_point', 'w_zero_point'];
  let outType: TensorValue['type'] = 'int32';
  if (op === 'QLinearMatMul') {
    initializers.set('a_scale', scalar('float32', new Float32Array([q.aScale])));
    initializers.set('w_scale', scalar('float32', new Float32Array([q.wScale])));
    initializers.set('y_scale', scalar('float32', new Float32Array([q.yScale])));
    initializers.set('y_zero_point', scalar('uint8', new Uint8Array([q.yZeroPoint])));
    inputs = ['a', 'a_scale', 'a_zero_point', 'w', 'w_scale', 'w_zero_point', 'y_scale', 'y_zero_point'];
    outType = 'uint8';
  }
  const g: Graph = {
    name: 'qgemm',
    nodes: [{ name: 'mm', opType: op, domain: '', inputs, outputs: ['y'], attrs: {} }],
    inputs: [{ name: 'a', type: 'uint8', shape: [m, k] }],
    outputs: [{ name: 'y', type: outType, shape: [m, n] }],
    initializers,
    valueInfo: new Map(),
    opset: 13,
    otherOpsets: {},
    producer: 'sparq test',
    irVersion: 0,
  };
  return encodeModel(g);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 33, 13],
  [33, 65, 131],
  [50, 17, 301],
  [97, 100, 67],
];

describe('int8 GEMM through the addon', () => {
  const kernels = () => bench().qs8GemmKernels().filter((kernel) => kernel.usable);

  test('every kernel gives the same s32, u8 and f32 results', () => {
    const b = bench();
    expect(kernels().length).toBeGreaterThanOrEqual(1);
    for (const [i, [m, n, k]] of SHAPES.entries()) {
      const p = problem(i + 1, m, n, k);
      const wScale = new Float32Array(n).map((_, j) => 0.001 * (1 + (j % 7)));
      const bias = new Int32Array(n).map((_, j) => (j * 7919) % 20001 - 10000);
      const common = { ...p, aZeroPoint: 131, bias, aScale: 0.03, wScale, yScale: 0.05 * Math.sqrt(k), yZeroPoint: 120 };
      for (const options of [
        { output: 's32' },
        { output: 'u8', activation: 'relu' },
        { output: 'u8', activation: 'hard_swish' },
        { output: 'f32', activation: 'leaky_relu', alpha: 0.1 },
      ]) {
        const results = kernels().map((kernel) => b.qs8GemmRun({ ...common, ...options, kernel: kernel.name }));
        for (const r of results.slice(1)) expect(Array.from(r)).toEqual(Array.from(results[0]));
      }
    }
  });

  test('s32 accumulators equal onnxruntime MatMulInteger exactly, u8 within one step of QLinearMatMul', async () => {
    const b = bench();
    for (const [i, [m, n, k]] of SHAPES.entries()) {
      const p = problem(100 + i, m, n, k);
      const q = { aZeroPoint: i % 2 ? 255 : 0, aScale: 0.02, wScale: 0.004, yScale: 0.0015 * Math.sqrt(k) * 40, yZeroPoint: 128 };
      const feeds = { a: { type: 'uint8', dims: [m, k], data: p.a } };
      const theirsS32 = (await ortEval(matmulModel('MatMulInteger', m, n, k, p.w, q), feeds)).y.data as Int32Array;
      const theirsU8 = (await ortEval(matmulModel('QLinearMatMul', m, n, k, p.w, q), feeds)).y.data as Uint8Array;
      for (const kernel of kernels()) {
        const s32 = b.qs8GemmRun({ ...p, ...q, output: 's32', kernel: kernel.name });
        expect(Array.from(s32)).toEqual(Array.from(theirsS32));
        const u8 = b.qs8GemmRun({ ...p, ...q, output: 'u8', kernel: kernel.name });
        let worst = 0;
        for (let j = 0; j < u8.length; j++) worst = Math.max(worst, Math.abs(u8[j] - theirsU8[j]));
        expect(worst).toBeLessThanOrEqual(1);
      }
    }
  });

  test('zero sizes and mismatched buffers are rejected with a clear message', () => {
    const b = bench();
    expect(() => b.qs8GemmRun({ m: 1, n: 0, k: 3, a: new Uint8Array(3), w: new Int8Array(0) })).toThrow(
      'int8 GEMM: Expected K and N of at least 1 but received K=3 N=0',
    );
    expect(() => b.qs8GemmRun({ m: 1, n: 2, k: 0, a: new Uint8Array(0), w: new Int8Array(0) })).toThrow('K and N of at least 1');
    expect(() => b.qs8GemmRun({ m: 1, n: 2, k: 3, a: new Uint8Array(2), w: new Int8Array(6) })).toThrow(
      'Expected a Uint8Array of 3 for a but received a typed array of 2',
    );
    expect(() => b.qs8GemmRun({ m: 1, n: 2, k: 3, a: new Uint8Array(3), w: new Int8Array(6), aZeroPoint: 256 })).toThrow(
      'Expected an activation zero point in 0..255 but received 256',
    );
    // M = 0 is an empty result, not an error
    expect(b.qs8GemmRun({ m: 0, n: 2, k: 3, a: new Uint8Array(0), w: new Int8Array(6) }).length).toBe(0);
  });
});

describe('rate probes of the int8 bench', () => {
  interface Probe {
    macs: number;
    cpuSeconds: number;
    instruction: string;
  }
  const probes = native() as unknown as { sparse24PairProbe(iterations: unknown, shuffle?: unknown): Probe | null };

  test('the 2:4 pair probes (vpermb, vpshufb) count 12 vpdpbusd of 64 MACs per round where the CPU has AVX-512 VBMI + VNNI, else is null', () => {
    const caps = native().capabilities() as { detected: string[]; selected: string };
    const r = probes.sparse24PairProbe(1000);
    if (!(caps.detected.includes('avx512vbmi') && caps.detected.includes('avx512vnni') && caps.selected === 'avx512vnni')) {
      expect(r).toBeNull();
      return;
    }
    expect(r).not.toBeNull();
    expect(r!.instruction).toBe('vpermb+vpdpbusd zmm');
    expect(r!.macs).toBe(1000 * 12 * 64);
    expect(r!.cpuSeconds).toBeGreaterThan(0);
    expect(() => probes.sparse24PairProbe(0)).toThrow('Expected an iteration count of at least 1 for sparse24PairProbe');
    const s = probes.sparse24PairProbe(1000, 'vpshufb');
    expect([s!.instruction, s!.macs]).toEqual(['vpshufb+vpdpbusd zmm', 1000 * 12 * 64]);
    expect(s!.cpuSeconds).toBeGreaterThan(0);
    expect(() => probes.sparse24PairProbe(1000, 'vpermw')).toThrow("Expected 'vpermb' or 'vpshufb' for sparse24PairProbe's shuffle but received 'vpermw'");
  });
});
