// Suite `quant`: engine.quantize on the Fashion-MNIST models: our int8 engine vs our fp32 engine, and vs onnxruntime-node running OUR exported QDQ model (same threads), batch 1; plus calibration time.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const ort = require('onnxruntime-node');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const DIR = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const MODELS = ['resnet-fmnist', 'mobilenet-fmnist'];
const SIZE = 28 * 28;

// Where a profiled op's time goes, for the int8-vs-fp32 breakdown.
function category(op) {
  if (/dwconv/.test(op.kernel)) return 'depthwise conv';
  if (/Conv/.test(op.type)) return /\/stem\//.test(op.name) ? 'stem conv' : / direct/.test(op.kernel) ? 'pointwise conv' : 'other conv';
  if (/Gemm/.test(op.type)) return 'classifier';
  if (/Add/.test(op.type)) return 'add';
  return 'rest (Q/DQ, lookups, pools, moves)';
}

// Median microseconds per op category over `runs` interleaved runSync calls of each engine (profile() after each),
// and each engine's median end-to-end runSync milliseconds (`total`) over the same calls.
function breakdown(engines, feed, runs) {
  const samples = engines.map(() => ({}));
  const totals = engines.map(() => []);
  for (const e of engines) for (let i = 0; i < 50; i++) e.runSync(feed);
  for (let i = 0; i < runs; i++) {
    engines.forEach((e, j) => {
      const t0 = process.hrtime.bigint();
      e.runSync(feed);
      totals[j].push(Number(process.hrtime.bigint() - t0) / 1e6);
      const sums = {};
      let depthwise = 0;
      for (const op of e.profile()) {
        sums[category(op)] = (sums[category(op)] ?? 0) + op.ms * 1000;
        // each depthwise conv on its own too, numbered in model order (the same convs in both engines)
        if (/dwconv/.test(op.kernel)) sums[`depthwise #${++depthwise} (${op.kernel.replace(/ depthwise$/, '')})`] = op.ms * 1000;
      }
      for (const [k, v] of Object.entries(sums)) (samples[j][k] ??= []).push(v);
    });
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  return samples.map((byCategory, j) => ({
    total: median(totals[j]),
    ops: Object.fromEntries(Object.entries(byCategory).map(([k, v]) => [k, median(v)])),
  }));
}

async function run({ quick, log }) {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const calibrationImages = loadNpy(path.join(DIR, 'calibration.npy')).data;
  const testImages = loadNpy(path.join(DIR, 'test-images.npy')).data;
  const samples = quick ? 100 : 500;
  const options = quick ? { warmup: 3, minRuns: 20, minTimeMs: 500, maxTimeMs: 6000 } : { warmup: 10, minRuns: 60, minTimeMs: 3000, maxTimeMs: 30000 };
  const threads = 1;
  const records = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-bench-quant-'));
  for (const name of MODELS) {
    const fp32 = await Engine.load(path.join(DIR, `${name}.onnx`), { threads });
    const calibration = [];
    for (let i = 0; i < samples; i++) calibration.push({ input: new Tensor('float32', calibrationImages.slice(i * SIZE, (i + 1) * SIZE), [1, 1, 28, 28]) });
    const t0 = process.hrtime.bigint();
    const int8 = await fp32.quantize({ calibration });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    log(`${name}: quantize with ${samples} calibration samples took ${seconds.toFixed(2)} s`);
    records.push({ case: `${name} ${samples} samples`, metric: 'quantize time', value: seconds, unit: 's', vs: null, ratio: null });
    const exported = path.join(tmp, `${name}-int8.onnx`);
    await int8.exportOnnx(exported);
    const session = await ort.InferenceSession.create(exported, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
    const inputs = [];
    for (let k = 0; k < 8; k++) inputs.push(testImages.slice(k * SIZE, (k + 1) * SIZE));
    const ours = inputs.map((d) => ({ input: new Tensor('float32', d, [1, 1, 28, 28]) }));
    const theirs = inputs.map((d) => ({ input: new ort.Tensor('float32', d, [1, 1, 28, 28]) }));
    const [q, f, o] = await compareLatency(
      [(k) => int8.run(ours[k % 8]), (k) => fp32.run(ours[k % 8]), (k) => session.run(theirs[k % 8])],
      options,
    );
    const caseName = `${name} 1x1x28x28 t${threads}`;
    log(`${caseName}: int8 ${q.p50.toFixed(3)} ms, fp32 ${f.p50.toFixed(3)} ms (${(f.p50 / q.p50).toFixed(2)}x), onnxruntime QDQ ${o.p50.toFixed(3)} ms (${(o.p50 / q.p50).toFixed(2)}x)`);
    records.push({ case: caseName, metric: 'p50 latency int8', value: q.p50, unit: 'ms', vs: 'fp32', ratio: f.p50 / q.p50 });
    records.push({ case: caseName, metric: 'p50 latency int8', value: q.p50, unit: 'ms', vs: 'onnxruntime', ratio: o.p50 / q.p50 });
    records.push({ case: caseName, metric: 'min latency int8', value: q.min, unit: 'ms', vs: 'fp32', ratio: f.min / q.min });
    records.push({ case: caseName, metric: 'min latency int8', value: q.min, unit: 'ms', vs: 'onnxruntime', ratio: o.min / q.min });
    records.push({ case: caseName, metric: 'p50 latency fp32', value: f.p50, unit: 'ms', vs: null, ratio: null });
    records.push({ case: caseName, metric: 'p50 latency onnxruntime QDQ', value: o.p50, unit: 'ms', vs: null, ratio: null });
    const [q8, f32] = breakdown([int8, fp32], ours[0], quick ? 300 : 2000);
    const [qOps, fOps] = [q8.ops, f32.ops];
    log(`${caseName}: runSync interleaved, median: int8 ${q8.total.toFixed(4)} ms, fp32 ${f32.total.toFixed(4)} ms (${(f32.total / q8.total).toFixed(2)}x), load average ${os.loadavg()[0].toFixed(1)}`);
    records.push({ case: caseName, metric: 'p50 runSync interleaved int8', value: q8.total, unit: 'ms', vs: 'fp32', ratio: f32.total / q8.total });
    const isDepthwise = (k) => k.startsWith('depthwise #');
    for (const k of new Set([...Object.keys(fOps), ...Object.keys(qOps)].filter((k) => !isDepthwise(k))))
      log(`${name} ops, median of runSync + profile(): ${k}: int8 ${(qOps[k] ?? 0).toFixed(1)} us, fp32 ${(fOps[k] ?? 0).toFixed(1)} us`);
    const qDw = Object.keys(qOps).filter(isDepthwise);
    const fDw = Object.keys(fOps).filter(isDepthwise);
    qDw.forEach((k, i) => log(`${name} ${k}: int8 ${qOps[k].toFixed(2)} us, fp32 ${fDw[i] ? `${fOps[fDw[i]].toFixed(2)} us ${fDw[i].replace(/^depthwise #\d+ /, '')}` : '-'}`));
    await session.release();
    int8.dispose();
    fp32.dispose();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  return records;
}

module.exports = {
  name: 'quant',
  description: 'engine.quantize on the Fashion-MNIST models, batch 1, 1 thread: int8 vs our fp32, and vs onnxruntime-node running our exported QDQ model',
  run,
};
