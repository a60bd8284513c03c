// worker_threads fixture for test/native-workers.test.ts: loads the addon in this thread and runs plans.
// workerData: { mode: 'verify', seed, iterations } checks results of runSync and run against the expected values;
//             { mode: 'busy', floats } queues large async runs forever (the test terminates this worker mid-run).
'use strict';
const { parentPort, workerData } = require('worker_threads');
const binding = require('bindings')('sparq');

// x (input, n floats) -> outputs [x, constant]; no ops, so each result is a real copy through the arena.
function passThrough(n, constant) {
  const bytes = n * 4;
  const arena = Math.ceil(bytes / 64) * 64;
  return new binding.Plan({
    threads: 2,
    isa: '',
    arenaBytes: arena,
    tensors: [
      { dtype: 1, shape: [n], kind: 2, offset: 0 },
      { dtype: 1, shape: [constant.length], kind: 1, offset: 0, data: new Uint8Array(constant.buffer) },
    ],
    ops: [],
    inputs: [0],
    outputs: [0, 1],
  });
}

// y = Relu(x * s + b) over [rows, 4] with s, b constants [4] (Mul then Add then Relu, through the arena).
function affineRelu(rows, scale, bias) {
  const slot = Math.ceil((rows * 16) / 64) * 64;
  return new binding.Plan({
    threads: 2,
    isa: '',
    arenaBytes: 3 * slot,
    tensors: [
      { dtype: 1, shape: [rows, 4], kind: 2, offset: 0 },
      { dtype: 1, shape: [4], kind: 1, offset: 0, data: new Uint8Array(scale.buffer) },
      { dtype: 1, shape: [4], kind: 1, offset: 0, data: new Uint8Array(bias.buffer) },
      { dtype: 1, shape: [rows, 4], kind: 0, offset: slot },
      { dtype: 1, shape: [rows, 4], kind: 0, offset: 2 * slot },
      { dtype: 1, shape: [rows, 4], kind: 3, offset: 0 },
    ],
    ops: [
      { type: 'Mul', name: 'mul', inputs: [0, 1], outputs: [3], attrs: {} },
      { type: 'Add', name: 'add', inputs: [3, 2], outputs: [4], attrs: {} },
      { type: 'Relu', name: 'relu', inputs: [4], outputs: [5], attrs: {} },
    ],
    inputs: [0],
    outputs: [5],
  });
}

function runAsync(plan, inputs) {
  return new Promise((resolve, reject) => plan.run(inputs, (err, out) => (err ? reject(err) : resolve(out))));
}

function same(buffer, expected) {
  const got = new Float32Array(buffer);
  if (got.length !== expected.length) return false;
  for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) return false;
  return true;
}

async function verify({ seed, iterations }) {
  const constant = new Float32Array([seed, -seed, seed / 2]);
  const plan = passThrough(1000, constant);
  const scale = new Float32Array([seed, -1, 0.5, 2]);
  const bias = new Float32Array([-1, 1, seed, -seed]);
  const rows = 300;
  const ops = affineRelu(rows, scale, bias);
  let checked = 0;
  for (let it = 0; it < iterations; it++) {
    const x = new Float32Array(1000).map((_, i) => seed * 10000 + it * 1000 + i);
    const sync = plan.runSync([x]);
    const pending = [runAsync(plan, [x]), runAsync(plan, [x.map((v) => -v)])];
    const [a, b] = await Promise.all(pending);
    if (!same(sync[0], x) || !same(sync[1], constant) || !same(a[0], x) || !same(b[0], x.map((v) => -v)) || !same(a[1], constant))
      throw new Error(`worker ${seed}: wrong result at iteration ${it}`);
    checked += 3;
    const xs = [0, 1, 2].map((k) => new Float32Array(rows * 4).map((_, i) => Math.sin(seed + it * 7 + k * 13 + i * 0.1) * 5));
    const outs = await Promise.all(xs.map((xk) => runAsync(ops, [xk])));
    outs.push(ops.runSync([xs[0]]));
    for (const [k, out] of outs.entries()) {
      const xk = xs[k % 3];
      const want = xk.map((v, i) => Math.max(0, Math.fround(Math.fround(v * scale[i % 4]) + bias[i % 4])));
      if (!same(out[0], want)) throw new Error(`worker ${seed}: wrong Relu(x*s+b) at iteration ${it}`);
      checked += 1;
    }
  }
  plan.dispose();
  ops.dispose();
  return { seed, checked, caps: binding.capabilities().selected };
}

async function busy({ floats }) {
  const plan = passThrough(floats, new Float32Array([1]));
  const x = new Float32Array(floats).fill(3);
  parentPort.postMessage({ started: true });
  for (;;) await Promise.all([runAsync(plan, [x]), runAsync(plan, [x]), runAsync(plan, [x])]);
}

(workerData.mode === 'busy' ? busy(workerData) : verify(workerData)).then(
  (result) => parentPort.postMessage({ ok: true, result }),
  (err) => parentPort.postMessage({ ok: false, error: String(err && err.stack ? err.stack : err) }),
);
