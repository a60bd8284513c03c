/** The N-API surface: Plan construction and validation, runSync/run, captures, stats, dispose, malformed descs. */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { native } from '../lib/native';
import { DTYPE_CODE, NativePlanDesc, TENSOR_KIND } from '../lib/plan/plan-desc';

const binding = native();

/** A plan with no ops: output 0 is the input itself, output 1 a constant. */
function passThroughDesc(): NativePlanDesc {
  const constant = new Float32Array([1.5, -2.5]);
  return {
    threads: 1,
    isa: '',
    arenaBytes: 64,
    tensors: [
      { dtype: DTYPE_CODE.float32, shape: [2, 3], kind: TENSOR_KIND.input, offset: 0 },
      { dtype: DTYPE_CODE.float32, shape: [2], kind: TENSOR_KIND.constant, offset: 0, data: new Uint8Array(constant.buffer) },
    ],
    ops: [],
    inputs: [0],
    outputs: [0, 1],
  };
}

/**
 * The error thrown by fn. Errors made by the addon come from Node's own realm, not jest's sandbox, so tests
 * compare `name` rather than using instanceof / toThrow(Class).
 */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

function floats(buffer: ArrayBuffer): number[] {
  return Array.from(new Float32Array(buffer));
}

function runAsync(plan: InstanceType<typeof binding.Plan>, inputs: ArrayBufferView[], capture?: number[]): Promise<ArrayBuffer[]> {
  return new Promise((resolve, reject) =>
    plan.run(inputs, (err, outputs) => (err ? reject(err) : resolve(outputs as ArrayBuffer[])), capture),
  );
}

describe('capabilities and op types', () => {
  test('capabilities describe this CPU', () => {
    const caps = binding.capabilities();
    expect(caps.levels[0]).toBe('scalar');
    expect(caps.levels).toContain(caps.selected);
    expect(caps.threads).toBeGreaterThanOrEqual(1);
    expect(typeof caps.cpu).toBe('string');
    expect(caps.cpu.length).toBeGreaterThan(0);
    expect(caps.arch).toBe(process.arch);
    if (caps.levels.includes('avx2')) expect(caps.detected).toEqual(expect.arrayContaining(['avx2', 'fma']));
    if (caps.levels.includes('avx512')) expect(caps.detected).toEqual(expect.arrayContaining(['avx512f', 'avx512bw']));
  });

  test('SPARQ_ISA forces a lower level; an unknown value warns once and falls back to the highest', () => {
    const levels = binding.capabilities().levels;
    const script =
      "const b = require('bindings')('sparq'); b.capabilities(); process.stdout.write(b.capabilities().selected);";
    const selected = (isa: string) =>
      spawnSync(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..'), env: { ...process.env, SPARQ_ISA: isa }, encoding: 'utf8' });
    for (const level of levels) expect(selected(level).stdout).toBe(level);
    const bogus = selected('pentium4');
    expect(bogus.status).toBe(0);
    expect(bogus.stdout).toBe(levels[levels.length - 1]);
    expect(bogus.stderr.match(/SPARQ_ISA=pentium4 is not an ISA level this CPU can run/g)).toHaveLength(1);
  });

  test('opTypes lists sorted strings', () => {
    const types = binding.opTypes();
    expect(Array.isArray(types)).toBe(true);
    expect([...types].sort()).toEqual(types);
  });
});

describe('Plan with no ops', () => {
  test('runSync returns the input and the constant', () => {
    const plan = new binding.Plan(passThroughDesc());
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const [y, c] = plan.runSync([x]);
    expect(floats(y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(floats(c)).toEqual([1.5, -2.5]);
    expect(plan.kernels()).toEqual([]);
    expect(plan.lastTimings()).toEqual([]);
    plan.dispose();
  });

  test('accepts any ArrayBufferView, including views at an offset', () => {
    const plan = new binding.Plan(passThroughDesc());
    const backing = new Float32Array([9, 1, 2, 3, 4, 5, 6, 9]);
    const view = new Float32Array(backing.buffer, 4, 6);
    expect(floats(plan.runSync([view])[0])).toEqual([1, 2, 3, 4, 5, 6]);
    const bytes = Buffer.from(new Float32Array([6, 5, 4, 3, 2, 1]).buffer);
    expect(floats(plan.runSync([bytes])[0])).toEqual([6, 5, 4, 3, 2, 1]);
    const dv = new DataView(new Float32Array([0, 0, 0, 0, 0, 7]).buffer);
    expect(floats(plan.runSync([dv])[0])).toEqual([0, 0, 0, 0, 0, 7]);
    const shared = new Float32Array(new SharedArrayBuffer(32), 8, 6);
    shared.set([1, 1, 2, 3, 5, 8]);
    expect(floats(plan.runSync([shared])[0])).toEqual([1, 1, 2, 3, 5, 8]);
    plan.dispose();
    const desc = passThroughDesc();
    const sharedConstant = new Uint8Array(new SharedArrayBuffer(8));
    sharedConstant.set(new Uint8Array(new Float32Array([4, -4]).buffer));
    desc.tensors[1].data = sharedConstant;
    const fromShared = new binding.Plan(desc);
    expect(floats(fromShared.runSync([new Float32Array(6)])[1])).toEqual([4, -4]);
    fromShared.dispose();
  });

  test('run gives the same results as runSync', async () => {
    const plan = new binding.Plan(passThroughDesc());
    const x = new Float32Array([0.5, -1, 2, 1e-3, 7, -8]);
    const sync = plan.runSync([x]);
    const async = await runAsync(plan, [x]);
    expect(async.map(floats)).toEqual(sync.map(floats));
    plan.dispose();
  });

  test('run copies its inputs before returning', async () => {
    const plan = new binding.Plan(passThroughDesc());
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const pending = runAsync(plan, [x]);
    x.fill(-1);
    expect(floats((await pending)[0])).toEqual([1, 2, 3, 4, 5, 6]);
    plan.dispose();
  });

  test('capture appends tensors after the outputs', async () => {
    const plan = new binding.Plan(passThroughDesc());
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = plan.runSync([x], [1, 0]);
    expect(out.map(floats)).toEqual([[1, 2, 3, 4, 5, 6], [1.5, -2.5], [1.5, -2.5], [1, 2, 3, 4, 5, 6]]);
    const asyncOut = await runAsync(plan, [x], [1]);
    expect(asyncOut.map(floats)).toEqual([[1, 2, 3, 4, 5, 6], [1.5, -2.5], [1.5, -2.5]]);
    expect(() => plan.runSync([x], [2])).toThrow('Expected a tensor id in [0, 2) for capture[0] but received 2');
    expect(thrown(() => plan.runSync([x], [0.5])).name).toBe('TypeError');
    plan.dispose();
  });

  test('stats().runCalls counts each runSync and run once', async () => {
    const plan = new binding.Plan(passThroughDesc());
    const x = new Float32Array(6);
    const before = binding.stats().runCalls;
    plan.runSync([x]);
    expect(binding.stats().runCalls).toBe(before + 1);
    await runAsync(plan, [x]);
    expect(binding.stats().runCalls).toBe(before + 2);
    plan.runSync([x]);
    plan.runSync([x]);
    expect(binding.stats().runCalls).toBe(before + 4);
    plan.dispose();
  });

  test('plansAlive follows construction and dispose', () => {
    const before = binding.stats().plansAlive;
    const a = new binding.Plan(passThroughDesc());
    const b = new binding.Plan(passThroughDesc());
    expect(binding.stats().plansAlive).toBe(before + 2);
    a.dispose();
    a.dispose(); // idempotent
    expect(binding.stats().plansAlive).toBe(before + 1);
    b.dispose();
    expect(binding.stats().plansAlive).toBe(before);
  });

  test('wrong inputs throw', () => {
    const plan = new binding.Plan(passThroughDesc());
    expect(() => plan.runSync([new Float32Array(5)])).toThrow('Expected 24 bytes for inputs[0] but received 20');
    expect(thrown(() => plan.runSync([new Float32Array(5)])).name).toBe('RangeError');
    expect(() => plan.runSync([])).toThrow('Expected 1 inputs for the plan but received 0');
    expect(() => plan.runSync([new Float32Array(6), new Float32Array(6)])).toThrow('Expected 1 inputs');
    expect(() => plan.runSync([[1, 2, 3, 4, 5, 6] as unknown as Float32Array])).toThrow(
      'Expected an ArrayBufferView for inputs[0] but received array [1, 2, 3, 4, 5, 6]',
    );
    expect(thrown(() => plan.runSync('x' as unknown as Float32Array[])).name).toBe('TypeError');
    expect(() => plan.run([new Float32Array(5)], () => undefined)).toThrow('Expected 24 bytes for inputs[0] but received 20');
    expect(() => plan.run([new Float32Array(6)], 3 as unknown as () => void)).toThrow(
      'Expected a callback function for callback but received 3',
    );
    plan.dispose();
  });

  test('a disposed plan throws on every use', () => {
    const plan = new binding.Plan(passThroughDesc());
    plan.dispose();
    const x = new Float32Array(6);
    expect(() => plan.runSync([x])).toThrow('Plan was disposed');
    expect(() => plan.run([x], () => undefined)).toThrow('Plan was disposed');
    expect(() => plan.kernels()).toThrow('Plan was disposed');
    expect(() => plan.lastTimings()).toThrow('Plan was disposed');
  });

  test('dispose during 50 in-flight runs is safe and the runs finish', async () => {
    const before = binding.stats().plansAlive;
    const plan = new binding.Plan(passThroughDesc());
    const runs: Promise<ArrayBuffer[]>[] = [];
    for (let i = 0; i < 50; i++) runs.push(runAsync(plan, [new Float32Array([i, i, i, i, i, -i])]));
    plan.dispose();
    expect(() => plan.runSync([new Float32Array(6)])).toThrow('Plan was disposed');
    const results = await Promise.all(runs);
    results.forEach((out, i) => expect(floats(out[0])).toEqual([i, i, i, i, i, -i]));
    // Freed by the last run. (<=: a plan leaked by another test file in this jest process may be collected meanwhile.)
    expect(binding.stats().plansAlive).toBeLessThanOrEqual(before);
  });
});

describe('Plan with real ops', () => {
  /** y = Relu(x + b): x input [rows, 3], b constant [3] broadcast, t = x + b in the arena (capturable). */
  function reluAddDesc(rows: number, threads: number, isa = ''): NativePlanDesc {
    const b = new Float32Array([0.5, -1, 2]);
    const bytes = rows * 3 * 4;
    const slot = Math.ceil(bytes / 64) * 64;
    return {
      threads,
      isa,
      arenaBytes: 3 * slot,
      tensors: [
        { dtype: DTYPE_CODE.float32, shape: [rows, 3], kind: TENSOR_KIND.input, offset: 0 },
        { dtype: DTYPE_CODE.float32, shape: [3], kind: TENSOR_KIND.constant, offset: 0, data: new Uint8Array(b.buffer) },
        { dtype: DTYPE_CODE.float32, shape: [rows, 3], kind: TENSOR_KIND.arena, offset: slot },
        { dtype: DTYPE_CODE.float32, shape: [rows, 3], kind: TENSOR_KIND.output, offset: 2 * slot },
      ],
      ops: [
        { type: 'Add', name: 'block/add', inputs: [0, 1], outputs: [2], attrs: {} },
        { type: 'Relu', name: 'block/relu', inputs: [2], outputs: [3], attrs: {} },
      ],
      inputs: [0],
      outputs: [3],
    };
  }

  function inputFor(rows: number): Float32Array {
    return Float32Array.from({ length: rows * 3 }, (_, i) => Math.sin(i * 0.37) * 3);
  }

  /** Computed here in float32 arithmetic, independently of the addon. */
  function expectedReluAdd(x: Float32Array): { t: number[]; y: number[] } {
    const b = [0.5, -1, 2];
    const t = Array.from(x, (v, i) => Math.fround(v + b[i % 3]));
    return { t, y: t.map((v) => Math.max(0, v)) };
  }

  test('opTypes includes the elementwise ops', () => {
    expect(binding.opTypes()).toEqual(expect.arrayContaining(['Add', 'Relu', 'Gather']));
  });

  test('Relu(Add) matches an independent computation, sync and async, at every ISA level', async () => {
    for (const isa of binding.capabilities().levels) {
      for (const [rows, threads] of [[2, 1], [1000, 2], [4099, 3]]) {
        const plan = new binding.Plan(reluAddDesc(rows, threads, isa));
        const x = inputFor(rows);
        const { t, y } = expectedReluAdd(x);
        const sync = plan.runSync([x], [2]);
        expect(floats(sync[0])).toEqual(y);
        expect(floats(sync[1])).toEqual(t);
        const async = await runAsync(plan, [x], [2]);
        expect(async.map(floats)).toEqual(sync.map(floats));
        expect(plan.kernels()).toHaveLength(2);
        const timings = plan.lastTimings();
        expect(timings).toHaveLength(2);
        for (const ms of timings) expect(ms).toBeGreaterThanOrEqual(0);
        plan.dispose();
      }
    }
  });

  test('an exit rule array stops the run and receives the outcome; bad rule arrays throw', async () => {
    // Exits: t = x + b (written by op 0) and y = Relu(t) (op 1). x = [10, 0, 0]: t = [10.5, -1, 2] is confident at 0.9.
    const plan = new binding.Plan(reluAddDesc(1, 1));
    const x = new Float32Array([10, 0, 0]);
    const rule = (confidence: number) => new Float64Array([confidence, -1, -1, -1, 2, 3]);
    const early = rule(0.9);
    const out = plan.runSync([x], undefined, early);
    expect(Array.from(early)).toEqual([0.9, 0, 1, 1, 2, 3]);
    expect(out).toHaveLength(1);
    expect(out[0]).toBeUndefined(); // y was never computed
    const late = rule(1);
    expect(floats(plan.runSync([x], undefined, late)[0] as ArrayBuffer)).toEqual([10.5, 0, 2]);
    expect(Array.from(late.subarray(1, 4))).toEqual([1, 0, 2]); // the last exit answers, unconfident
    const asyncRule = rule(0.9);
    const asyncOut = await new Promise<(ArrayBuffer | undefined)[]>((resolve, reject) =>
      plan.run([x], (err, o) => (err ? reject(err) : resolve(o ?? [])), undefined, asyncRule),
    );
    expect(asyncOut).toHaveLength(1);
    expect(asyncOut[0]).toBeUndefined();
    expect(Array.from(asyncRule.subarray(1, 4))).toEqual([0, 1, 1]);

    const what = 'Expected a Float64Array [confidence, exit, confident, opsRun, exit ids...] for exit but received';
    for (const bad of [{ confidence: 0.5 }, new Float64Array(3), new Float32Array(5), [0.5, 0, 0, 0, 2]]) {
      const err = thrown(() => plan.runSync([x], undefined, bad as unknown as Float64Array));
      expect([err.name, err.message.startsWith(what)]).toEqual(['TypeError', true]);
      expect(() => plan.run([x], () => undefined, undefined, bad as unknown as Float64Array)).toThrow(what);
    }
    expect(thrown(() => plan.runSync([x], undefined, new Float64Array([0.5, 0, 0, 0, 2.5]))).message).toBe(
      'Expected an integer tensor id for exit[4] but received 2.500000',
    );
    const outOfRange = thrown(() => plan.runSync([x], undefined, new Float64Array([0.5, 0, 0, 0, 9])));
    expect([outOfRange.name, outOfRange.message]).toEqual(['RangeError', 'Expected a tensor id in [0, 4) for exits[0] but received 9']);
    expect(thrown(() => plan.runSync([x], undefined, new Float64Array([1.5, 0, 0, 0, 2]))).name).toBe('RangeError');
    expect(() => plan.run([x], () => undefined, undefined, new Float64Array([0.5, 0, 0, 0, 3, 2]))).toThrow(
      'Expected exits in the order the plan computes them',
    );
    plan.dispose();
  });

  test('concurrent async runs of one plan each get their own results', async () => {
    const plan = new binding.Plan(reluAddDesc(256, 2));
    const xs = Array.from({ length: 20 }, (_, k) => inputFor(256).map((v) => v * (k - 10)));
    const outs = await Promise.all(xs.map((x) => runAsync(plan, [x])));
    outs.forEach((out, k) => expect(floats(out[0])).toEqual(expectedReluAdd(xs[k]).y));
    plan.dispose();
  });

  test('a run-time op failure rejects with the node name and leaves the plan usable', async () => {
    const data = new Float32Array([10, 20, 30, 40]);
    const plan = new binding.Plan({
      threads: 1,
      isa: '',
      arenaBytes: 192,
      tensors: [
        { dtype: DTYPE_CODE.float32, shape: [4], kind: TENSOR_KIND.input, offset: 0 },
        { dtype: DTYPE_CODE.int32, shape: [2], kind: TENSOR_KIND.input, offset: 64 },
        { dtype: DTYPE_CODE.float32, shape: [2], kind: TENSOR_KIND.output, offset: 128 },
      ],
      ops: [{ type: 'Gather', name: 'embed/gather', inputs: [0, 1], outputs: [2], attrs: { axis: 0 } }],
      inputs: [0, 1],
      outputs: [2],
    });
    expect(floats(plan.runSync([data, new Int32Array([3, -4])])[0])).toEqual([40, 10]);
    const syncError = thrown(() => plan.runSync([data, new Int32Array([1, 9])])) as Error & { node?: string; opType?: string };
    expect(syncError.message).toMatch(/out of range/);
    expect(syncError.message).toMatch(/embed\/gather/);
    expect(syncError.node).toBe('embed/gather');
    expect(syncError.opType).toBe('Gather');
    const asyncError = (await runAsync(plan, [data, new Int32Array([9, 0])]).then(
      () => new Error('expected a rejection'),
      (e: Error) => e,
    )) as Error & { node?: string };
    expect(asyncError.message).toMatch(/out of range/);
    expect(asyncError.node).toBe('embed/gather');
    expect(floats((await runAsync(plan, [data, new Int32Array([2, 2])]))[0])).toEqual([30, 30]);
    plan.dispose();
  });

  test('an invalid op descriptor is rejected when the plan is built', () => {
    const desc = reluAddDesc(2, 1);
    desc.ops[0].inputs = [0];
    expect(thrown(() => new binding.Plan(desc)).message).toMatch(/Add/);
  });
});

describe('plan validation', () => {
  function expectPlanError(mutate: (d: NativePlanDesc) => void, message: string | RegExp, name = 'Error') {
    const desc = passThroughDesc();
    mutate(desc);
    const caught = thrown(() => new binding.Plan(desc));
    expect(caught.name).toBe(name);
    expect(caught.message).toMatch(message);
  }

  test('malformed descs throw TypeErrors naming the field', () => {
    const cases: [(d: NativePlanDesc) => void, string][] = [
      [(d) => ((d.tensors[0] as unknown as Record<string, unknown>).shape = 'big'), 'Expected an array of numbers for plan.tensors[0].shape but received "big"'],
      [(d) => ((d.tensors[1] as unknown as Record<string, unknown>).shape = [2, 'x']), 'Expected an array of numbers for plan.tensors[1].shape but received array [2, "x"]'],
      [(d) => (d.tensors[0].shape = [2, 1.5]), 'Expected an integer for plan.tensors[0].shape[1] but received 1.5'],
      [(d) => (d.tensors[0].dtype = 4), 'Expected a dtype code (1, 2, 3, 6, 7, 9) for plan.tensors[0].dtype but received 4'],
      [(d) => (d.tensors[0].kind = 7), 'for plan.tensors[0].kind but received 7'],
      [(d) => (d.tensors[0].offset = -64), 'Expected a non-negative integer for plan.tensors[0].offset but received -64'],
      [(d) => ((d.tensors[1] as unknown as Record<string, unknown>).data = [1, 2]), 'Expected a Uint8Array for plan.tensors[1].data but received array [1, 2]'],
      [(d) => ((d as unknown as Record<string, unknown>).tensors = {}), 'Expected an array of tensor descriptors for plan.tensors but received an object of type Object'],
      [(d) => ((d as unknown as Record<string, unknown>).threads = '2'), 'Expected a 32-bit integer for plan.threads but received "2"'],
      [(d) => ((d as unknown as Record<string, unknown>).arenaBytes = undefined), 'Expected a non-negative integer for plan.arenaBytes but received undefined'],
      [(d) => ((d as unknown as Record<string, unknown>).inputs = [null]), 'Expected an array of numbers for plan.inputs but received array [null]'],
      [(d) => ((d as unknown as Record<string, unknown>).isa = 3), 'Expected a string for plan.isa but received 3'],
      [
        (d) => d.ops.push({ type: 'Relu', name: 'r', inputs: [0], outputs: [0], attrs: { alpha: {} as unknown as number } }),
        'Expected a number, an array of numbers or a string for plan.ops[0].attrs.alpha but received an object of type Object',
      ],
      [(d) => d.ops.push({ type: 5 as unknown as string, name: 'r', inputs: [0], outputs: [0], attrs: {} }), 'Expected a string for plan.ops[0].type but received 5'],
      [(d) => ((d.ops as unknown[]).push(null)), 'Expected an object for plan.ops[0] but received null'],
    ];
    for (const [mutate, message] of cases) expectPlanError(mutate, message, 'TypeError');
    expect(() => new binding.Plan(null as unknown as NativePlanDesc)).toThrow('Expected an object for plan but received null');
  });

  test('inconsistent plans throw Errors naming the problem', () => {
    expectPlanError((d) => (d.tensors[0].offset = 32), 'Expected a 64-byte aligned arena offset for plan.tensors[0].offset but received 32');
    expectPlanError((d) => (d.arenaBytes = 16), 'Expected plan.tensors[0] (24 bytes at offset 0) to lie inside the arena of 16 bytes');
    expectPlanError((d) => (d.tensors[0].shape = [2, -3]), 'Expected a non-negative dimension for plan.tensors[0].shape[1] but received -3');
    expectPlanError((d) => (d.tensors[0].shape = [2 ** 40, 2 ** 40]), 'Expected a shape whose size fits in memory for plan.tensors[0].shape');
    expectPlanError((d) => (d.tensors[1].data = new Uint8Array(4)), 'Expected 8 bytes of data for constant plan.tensors[1] but received 4');
    expectPlanError((d) => (d.outputs = [2]), 'Expected a tensor id in [0, 2) for plan.outputs[0] but received 2');
    expectPlanError((d) => (d.isa = 'z80'), /z80/);
    expectPlanError((d) => (d.threads = 0), 'Expected a thread count in [1, 1024] for plan.threads but received 0');
    expectPlanError(
      (d) => d.ops.push({ type: 'NoSuchOp', name: 'layer1/conv', inputs: [0], outputs: [0], attrs: {} }),
      "Unsupported native op type 'NoSuchOp' (node 'layer1/conv')",
    );
  });

  test('every available ISA level can be requested', () => {
    for (const isa of binding.capabilities().levels) {
      const plan = new binding.Plan({ ...passThroughDesc(), isa, threads: 2 });
      expect(floats(plan.runSync([new Float32Array([1, 2, 3, 4, 5, 6])])[0])).toEqual([1, 2, 3, 4, 5, 6]);
      plan.dispose();
    }
  });
});
