#!/usr/bin/env node
// Channel and block pruning of the Fashion-MNIST fixtures: MACs, file size and top-1 on the 2000-image test subset,
// L1 ranking with and without least-squares reconstruction (and ThiNet), for the README table.
// Usage: node scripts/prune-channels-table.js [--ratios 0.25,0.375] [--samples 500] [--train-samples 0] [--align 4]
//        [--models resnet-fmnist,...]
// --train-samples N adds the first N images of train-images.npy (normalized as in training) to the calibration
// samples; --align sets engine.prune's channelAlign (kept counts in multiples of it, see channel-ranking.ts).
// Needs dist/ (npx tsc -p tsconfig.build.json) and the built addon.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));
const { Engine, Tensor } = dist('index');
const { loadNpy } = dist('format/npy');
const { encodeModel } = dist('onnx/encode');
const { foldForPruning } = dist('prune/prune-engine');
const { pruneChannelsDetailed } = dist('prune/channel-pruning');
const { pruneBlocksDetailed } = dist('prune/block-pruning');

const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function images(file, count) {
  const a = loadNpy(path.join(FIXTURES, file));
  return { data: a.data, count: Math.min(count, a.dims[0]) };
}

function samples(count) {
  const { data, count: n } = images('calibration.npy', count);
  const out = [];
  for (let i = 0; i < n; i++) out.push({ input: new Tensor('float32', data.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  return out;
}

/** The first `count` images of the training subset (raw bytes), normalized as the fixtures were trained. */
function trainingSamples(count) {
  if (count === 0) return [];
  const { data, count: n } = images('train-images.npy', count);
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = new Float32Array(784);
    for (let j = 0; j < 784; j++) x[j] = (data[i * 784 + j] / 255 - 0.286) / 0.353;
    out.push({ input: new Tensor('float32', x, [1, 1, 28, 28]) });
  }
  return out;
}

/** Top-1 accuracy (%) on the test subset, batches of 100. */
function accuracy(engine) {
  const { data, count } = images('test-images.npy', 2000);
  const labels = loadNpy(path.join(FIXTURES, 'test-labels.npy')).data;
  let correct = 0;
  for (let start = 0; start < count; start += 100) {
    const n = Math.min(100, count - start);
    const logits = engine.runSync({ input: new Tensor('float32', data.slice(start * 784, (start + n) * 784), [n, 1, 28, 28]) }).logits.data;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c] > logits[i * 10 + best]) best = c;
      if (best === Number(labels[start + i])) correct++;
    }
  }
  return (100 * correct) / count;
}

function describe(engine, graph) {
  const s = engine.summary();
  return { macs: s.totals.macs, bytes: encodeModel(graph).length, top1: accuracy(engine) };
}

async function main() {
  const ratios = arg('ratios', '0.25,0.5').split(',').map(Number);
  const models = arg('models', 'resnet-fmnist,mobilenet-fmnist').split(',');
  const calibration = [...samples(Number(arg('samples', '500'))), ...trainingSamples(Number(arg('train-samples', '0')))];
  const channelAlign = Number(arg('align', '4'));
  const options = { threads: 1 };
  console.log(`CPU: ${os.cpus()[0].model}; ${calibration.length} calibration samples; channelAlign ${channelAlign}; top-1 on the 2000-image test subset`);
  console.log('| model | pruning | MACs | MACs removed | ONNX bytes | top-1 % | drop (points) | time (s) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const model of models) {
    const engine = await Engine.load(path.join(FIXTURES, `${model}.onnx`), options);
    const graph = foldForPruning(engine.sourceGraph());
    const base = describe(engine, engine.sourceGraph());
    const foldedBytes = encodeModel(graph).length;
    const row = (what, r, seconds) =>
      console.log(
        `| ${model} | ${what} | ${r.macs} | ${(100 * (1 - r.macs / base.macs)).toFixed(1)}% | ${r.bytes} | ${r.top1.toFixed(2)} | ${(base.top1 - r.top1).toFixed(2)} | ${seconds.toFixed(1)} |`,
      );
    row('none', base, 0);
    console.log(`| ${model} | none, BN folded | ${base.macs} | 0.0% | ${foldedBytes} | ${base.top1.toFixed(2)} | 0.00 | 0.0 |`);
    const variants = [];
    for (const ratio of ratios) {
      for (const streams of [false, true]) {
        const what = `channels ${ratio}${streams ? ', streams too' : ''}`;
        variants.push([`${what} L1`, () => pruneChannelsDetailed(graph, ratio, ctx('magnitude', 'l1', streams))]);
        variants.push([`${what} L1 + reconstruct`, () => pruneChannelsDetailed(graph, ratio, ctx('reconstruct', 'l1', streams))]);
        variants.push([`${what} ThiNet + reconstruct`, () => pruneChannelsDetailed(graph, ratio, ctx('reconstruct', 'thinet', streams))]);
      }
    }
    for (const count of [1, 2]) {
      variants.push([`blocks ${count}`, () => pruneBlocksDetailed(graph, count, ctx('magnitude', 'l1'))]);
      variants.push([`blocks ${count} + reconstruct`, () => pruneBlocksDetailed(graph, count, ctx('reconstruct', 'l1'))]);
    }
    for (const [what, run] of variants) {
      const t0 = Date.now();
      const result = await run();
      const seconds = (Date.now() - t0) / 1000;
      const pruned = Engine.fromGraph(result.graph, options);
      row(what, describe(pruned, result.graph), seconds);
      pruned.dispose();
    }
    engine.dispose();
  }

  function ctx(method, ranking, pruneResidualStreams = false) {
    return { method, ranking, samples: calibration, exclude: new Set(), engineOptions: options, pruneResidualStreams, channelAlign };
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
