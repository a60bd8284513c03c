#!/usr/bin/env node
// Prints the README "Pruning" table: top-1 of the Fashion-MNIST fixture models on the 2000-image test subset, dense
// and pruned, with the time pruning took. Run after `npm run build`: `node scripts/prune-table.js [--samples N]`.
//
// Output: one Markdown table, one row per case:
//   | model | pattern | method | top-1 % | drop (points) | prune s | prune CPU s |
// drop = dense fp32 top-1 minus the case's top-1, in percentage points; prune s = wall time of engine.prune,
// prune CPU s = the process's CPU time meanwhile (user + system, all threads: on a busy machine the honest one). A case whose API is not available in this
// build prints "n/a" with the reason. Other pruners add their rows by appending to CASES (same fields).
'use strict';
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const sparq = require(path.join(root, 'dist'));
const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
const { Engine, Tensor } = sparq;

/**
 * model: fixture name; pattern / method: what engine.prune gets; int8: quantize the result too;
 * label: the pattern column. calibration is added by the script.
 */
const CASES = [];
for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
  CASES.push(
    { model, label: '2:4', prune: { pattern: '2:4', method: 'magnitude' } },
    { model, label: '2:4', prune: { pattern: '2:4', method: 'reconstruct' } },
    { model, label: '2:4 + int8', prune: { pattern: '2:4', method: 'reconstruct' }, int8: true },
    { model, label: 'unstructured 50%', prune: { pattern: { unstructured: 0.5 }, method: 'magnitude' } },
    { model, label: 'unstructured 50%', prune: { pattern: { unstructured: 0.5 }, method: 'reconstruct' } },
  );
}

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : fallback;
}

function samplesOf(file, count) {
  const array = loadNpy(path.join(FIXTURES, file));
  const per = array.dims.slice(1).reduce((a, b) => a * b, 1);
  const n = Math.min(count, array.dims[0]);
  return Array.from({ length: n }, (_, i) => ({ input: new Tensor('float32', array.data.slice(i * per, (i + 1) * per), [1, ...array.dims.slice(1)]) }));
}

const testImages = samplesOf('test-images.npy', 2000);
const testLabels = loadNpy(path.join(FIXTURES, 'test-labels.npy')).data;

/** Top-1 accuracy in percent on the test subset. */
function top1(engine) {
  let correct = 0;
  testImages.forEach((feeds, i) => {
    const logits = engine.runSync(feeds).logits.data;
    let best = 0;
    for (let c = 1; c < logits.length; c++) if (logits[c] > logits[best]) best = c;
    if (BigInt(best) === testLabels[i]) correct++;
  });
  return (100 * correct) / testImages.length;
}

async function main() {
  const calibrationCount = argValue('--samples', 256);
  const calibration = samplesOf('calibration.npy', calibrationCount);
  const caps = Engine.capabilities();
  console.log(`CPU: ${caps.cpu} (${os.cpus().length} logical cores), 1 thread; ${calibration.length} calibration samples; ${testImages.length} test images`);
  console.log('');
  console.log('| model | pattern | method | top-1 % | drop (points) | prune s | prune CPU s |');
  console.log('|---|---|---|---:|---:|---:|---:|');
  const dense = new Map();
  for (const c of CASES) {
    if (!dense.has(c.model)) {
      const engine = await Engine.load(path.join(FIXTURES, `${c.model}.onnx`), { threads: 1 });
      dense.set(c.model, { engine, top1: top1(engine) });
      console.log(`| ${c.model} | dense | - | ${dense.get(c.model).top1.toFixed(2)} | - | - | - |`);
    }
    const base = dense.get(c.model);
    const method = c.prune.method ?? 'magnitude';
    let result;
    try {
      const start = process.hrtime.bigint();
      const cpuStart = process.cpuUsage();
      let engine = await base.engine.prune({ ...c.prune, calibration });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const cpu = process.cpuUsage(cpuStart);
      if (c.int8) {
        const quantized = await engine.quantize({ calibration });
        engine.dispose();
        engine = quantized;
      }
      const acc = top1(engine);
      engine.dispose();
      result = `${acc.toFixed(2)} | ${(base.top1 - acc).toFixed(2)} | ${seconds.toFixed(1)} | ${((cpu.user + cpu.system) / 1e6).toFixed(1)}`;
    } catch (err) {
      result = `n/a | ${err.message.replace(/\|/g, '/').slice(0, 80)} | - | -`;
    }
    console.log(`| ${c.model} | ${c.label} | ${method} | ${result} |`);
  }
  for (const { engine } of dense.values()) engine.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
