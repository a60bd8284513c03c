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
  let checked = 0;
  for (let it = 0; it < iterations; it++) {
    const x = new Float32Array(1000).map((_, i) => seed * 10000 + it * 1000 + i);
    const sync = plan.runSync([x]);
    const pending = [runAsync(plan, [x]), runAsync(plan, [x.map((v) => -v)])];
    const [a, b] = await Promise.all(pending);
    if (!same(sync[0], x) || !same(sync[1], constant) || !same(a[0], x) || !same(b[0], x.map((v) => -v)) || !same(a[1], constant))
      throw new Error(`worker ${seed}: wrong result at iteration ${it}`);
    checked += 3;
  }
  plan.dispose();
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
