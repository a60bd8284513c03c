#!/usr/bin/env node
// Distillation of compressed resnet-fmnist students by the fp32 model: top-1 on the 2000-image test subset of the fp32
// teacher, the compressed student and the distilled student, for the README table "Distillation".
// Trains on test/fixtures/fashion-mnist/train-images.npy (5000 training images, tools/make_train_subset.py).
// Usage: node scripts/distill-table.js [--samples 5000] [--epochs 4] [--layers 3] [--variants a,b,...]
// Needs dist/ (npx tsc -p tsconfig.build.json) and the built addon.
'use strict';
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));
const { Engine, Tensor } = dist('index');
const { loadNpy } = dist('format/npy');

const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const MEAN = 0.286;
const STD = 0.353;
const BATCH = 50;

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Training subset as batches of preprocessed feeds, and the labels as numbers. */
function trainingData(count) {
  const images = loadNpy(path.join(FIXTURES, 'train-images.npy'));
  const labels = loadNpy(path.join(FIXTURES, 'train-labels.npy'));
  const n = Math.min(count, images.dims[0]);
  const feeds = [];
  for (let start = 0; start < n; start += BATCH) {
    const rows = Math.min(BATCH, n - start);
    const x = new Float32Array(rows * 784);
    for (let i = 0; i < x.length; i++) x[i] = (images.data[start * 784 + i] / 255 - MEAN) / STD;
    feeds.push({ input: new Tensor('float32', x, [rows, 1, 28, 28]) });
  }
  return { feeds, labels: Array.from(labels.data.subarray(0, n), Number) };
}

/** Top-1 accuracy (%) on the test subset, batches of 100. */
function accuracy(engine) {
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy'));
  const labels = loadNpy(path.join(FIXTURES, 'test-labels.npy')).data;
  const count = images.dims[0];
  let correct = 0;
  for (let start = 0; start < count; start += 100) {
    const n = Math.min(100, count - start);
    const logits = engine.runSync({ input: new Tensor('float32', images.data.slice(start * 784, (start + n) * 784), [n, 1, 28, 28]) }).logits.data;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
      if (best === Number(labels[start + i])) correct++;
    }
  }
  return (100 * correct) / count;
}

function calibration() {
  const a = loadNpy(path.join(FIXTURES, 'calibration.npy'));
  const out = [];
  for (let i = 0; i < 500; i++) out.push({ input: new Tensor('float32', a.data.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  return out;
}

async function main() {
  const samples = Number(arg('samples', '5000'));
  const epochs = Number(arg('epochs', '4'));
  const layers = Number(arg('layers', '3'));
  const variants = arg('variants', 'channels,channels+int8').split(',');
  const options = { threads: 1 };
  const teacher = await Engine.load(path.join(FIXTURES, 'resnet-fmnist.onnx'), options);
  const train = trainingData(samples);
  const base = accuracy(teacher);
  console.log(`CPU: ${os.cpus()[0].model}; ${train.labels.length} training images with labels, ${epochs} epochs, last ${layers} layers; top-1 on the 2000-image test subset`);
  console.log('| student | top-1 % | drop (points) | recovered | distill time (s) |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| resnet-fmnist fp32 (teacher) | ${base.toFixed(2)} | | | |`);
  const distillOptions = { teacher, data: train.feeds, labels: train.labels, epochs, layers, temperature: 4, alpha: 0.5 };
  for (const variant of variants) {
    const pruned = await teacher.prune({ pattern: { channels: 0.5 }, method: 'magnitude' });
    const rows = [];
    if (variant === 'channels') {
      const before = accuracy(pruned);
      const result = await pruned.distill(distillOptions);
      rows.push(['channels 0.5 (L1, no reconstruction)', before], ['  + distilled', accuracy(result.engine), result.seconds, before]);
      result.engine.dispose();
    } else if (variant === 'channels+int8') {
      // Distil the pruned fp32 model, then quantize (the route that recovers more; see README).
      const int8 = await pruned.quantize({ calibration: calibration() });
      const before = accuracy(int8);
      const result = await pruned.distill(distillOptions);
      const distilledInt8 = await result.engine.quantize({ calibration: calibration() });
      rows.push(['channels 0.5 + int8', before], ['  + distilled (fp32 distil, then int8)', accuracy(distilledInt8), result.seconds, before]);
      int8.dispose();
      distilledInt8.dispose();
      result.engine.dispose();
    } else if (variant === 'channels+int8-tail') {
      // The other route: int8 everywhere but the fine-tuned layers, which stay fp32 and are distilled.
      const tail = pruned.sourceGraph().nodes.filter((n) => ['Conv', 'Gemm'].includes(n.opType)).slice(-layers).map((n) => n.name);
      const int8 = await pruned.quantize({ calibration: calibration(), exclude: tail });
      const before = accuracy(int8);
      const result = await int8.distill({ ...distillOptions, layers: tail });
      rows.push(['channels 0.5 + int8, tail fp32', before], ['  + distilled tail', accuracy(result.engine), result.seconds, before]);
      int8.dispose();
      result.engine.dispose();
    }
    for (const [what, top1, seconds, before] of rows) {
      const recovered = before === undefined ? '' : `${((100 * (top1 - before)) / (base - before)).toFixed(0)}%`;
      console.log(`| ${what} | ${top1.toFixed(2)} | ${(base - top1).toFixed(2)} | ${recovered} | ${seconds === undefined ? '' : seconds.toFixed(1)} |`);
    }
    pruned.dispose();
  }
  teacher.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
