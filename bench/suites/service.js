// Suite `service`: examples/service (node:http + warm engines) under a loopback keep-alive load; throughput and p99.
'use strict';
const path = require('path');
const { spawn } = require('child_process');
const { loadTest } = require('../../examples/service/load-generator');

const root = path.resolve(__dirname, '..', '..');
const MODEL = path.join(root, 'test', 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx');

/** The server runs in its own process so the load generator does not share its event loop. */
function startServerProcess(threads) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'examples', 'service', 'server.js'), `fashion=${MODEL}`, '--port', '0'], {
      env: { ...process.env, SPARQ_SERVICE_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`service exited with ${code} before listening`)));
  });
}

async function run({ quick, log }) {
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const images = loadNpy(path.join(root, 'test', 'fixtures', 'fashion-mnist', 'test-images.npy'));
  const body = JSON.stringify({ inputs: { input: { dims: [1, 1, 28, 28], data: Array.from(images.data.subarray(0, 784)) } } });
  const records = [];
  const { child, port } = await startServerProcess(1);
  try {
    for (const concurrency of [1, 8]) {
      const r = await loadTest({ port, path: '/models/fashion/infer', body, concurrency, durationMs: quick ? 1500 : 6000 });
      if (r.errors) log(`concurrency ${concurrency}: ${r.errors} failed requests`);
      const caseName = `resnet-fmnist 1x1x28x28 c=${concurrency}`;
      records.push({ case: caseName, metric: 'throughput', value: r.throughput, unit: 'req/s' });
      records.push({ case: caseName, metric: 'latency p50', value: r.latencyMs.p50, unit: 'ms' });
      records.push({ case: caseName, metric: 'latency p99', value: r.latencyMs.p99, unit: 'ms' });
    }
  } finally {
    child.kill('SIGTERM');
  }
  return records;
}

module.exports = { name: 'service', description: 'examples/service over loopback HTTP keep-alive (JSON in/out, 1 engine thread)', run };
