#!/usr/bin/env node
// Where one inference's time goes: per-op median time (engine.profile(), after runSync) of a Fashion-MNIST fixture
// in fp32 and int8 (engine.quantize on 100 calibration images), beside the median end-to-end runSync time, batch 1,
// 1 thread. The runSync time minus the sum of the op times is what every run pays beyond its ops.
// Usage: node scripts/op-times.js [resnet-fmnist|mobilenet-fmnist] [runs]   (needs dist/ and the addon)
'use strict';
const path = require('path');
const os = require('os');

const root = path.resolve(__dirname, '..');
const { Engine, Tensor } = require(path.join(root, 'dist'));
const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
const DIR = path.join(root, 'test', 'fixtures', 'fashion-mnist');

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

async function main() {
  const name = process.argv[2] || 'resnet-fmnist';
  const runs = Number(process.argv[3] || 500);
  const fp32 = await Engine.load(path.join(DIR, `${name}.onnx`), { threads: 1 });
  const images = loadNpy(path.join(DIR, 'calibration.npy')).data;
  const feed = (i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const calibration = Array.from({ length: 100 }, (_, i) => feed(i));
  const int8 = await fp32.quantize({ calibration });
  const input = feed(0);
  console.log(`${name}, ${os.cpus()[0].model}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [label, engine] of [['fp32', fp32], ['int8', int8]]) {
    for (let i = 0; i < 2000; i++) engine.runSync(input);
    const perOp = [];
    const totals = [];
    for (let r = 0; r < runs; r++) {
      const t0 = process.hrtime.bigint();
      engine.runSync(input);
      totals.push(Number(process.hrtime.bigint() - t0) / 1e3);
      engine.profile().forEach((op, j) => (perOp[j] ??= { op, us: [] }).us.push(op.ms * 1000));
    }
    let sum = 0;
    console.log(`== ${label}: runSync median ${median(totals).toFixed(1)} us`);
    for (const { op, us } of perOp) {
      const m = median(us);
      sum += m;
      console.log(`${m.toFixed(2).padStart(8)} us  ${op.type.padEnd(18)} ${(op.kernel || '').padEnd(44)} ${op.name.slice(0, 60)}`);
    }
    console.log(`   ops sum ${sum.toFixed(1)} us; runSync beyond the ops ${(median(totals) - sum).toFixed(1)} us`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
