#!/usr/bin/env node
// Prints the README "Adaptive resolution" table: top-1 on the 2000-image Fashion-MNIST test subset, average MACs and
// measured mean latency per image (batch 1, 1 thread) of always running one size and of adaptive resolution at several
// thresholds. Latencies come from passes over the first 300 images alternating between strategies, median pass.
// Run after `npx tsc -p tsconfig.build.json`: `node scripts/adaptive-table.js [--json]`.
'use strict';
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const SIZES = [16, 20, 28];
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
const TIMED = 300;
const PASSES = 11;
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function main() {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const { AdaptiveResolution } = require(path.join(root, 'dist', 'dynamic', 'adaptive-resolution'));
  const { profileResolutions, sweepThresholds } = require(path.join(root, 'dist', 'dynamic', 'adaptive-sweep'));
  const { loadAdaptiveBenchModel } = require(path.join(root, 'dist', 'dynamic', 'adaptive-bench-model'));
  const { engine, name, output } = await loadAdaptiveBenchModel(FIXTURES, 1);
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy')).data;
  const labels = Array.from(loadNpy(path.join(FIXTURES, 'test-labels.npy')).data, Number);
  const samples = labels.map((_, i) => images.slice(i * 784, (i + 1) * 784));
  const probe = new AdaptiveResolution(engine, { sizes: SIZES, threshold: 1, output });
  const rows = sweepThresholds(await profileResolutions(probe, samples, [1, 28, 28]), probe.macsPerSize, SIZES.map((s) => `${s}x${s}`), labels, THRESHOLDS);

  // One timed strategy per row: fixed sizes run pre-resized images, adaptive ones classify the 28x28 originals.
  const input = engine.inputs[0].name;
  const originals = samples.slice(0, TIMED).map((s) => new Tensor('float32', s, [1, 1, 28, 28]));
  const strategies = rows.map((r, k) => {
    if (r.kind === 'fixed') {
      const resized = originals.map((t) => probe.resized(t, k));
      return async () => {
        for (const t of resized) await engine.run({ [input]: t }, { outputs: [output] });
      };
    }
    const adaptive = new AdaptiveResolution(engine, { sizes: SIZES, threshold: r.threshold, output });
    return async () => {
      for (const t of originals) await adaptive.classify(t);
    };
  });
  const passes = strategies.map(() => []);
  for (const s of strategies) await s();
  for (let p = 0; p < PASSES; p++) {
    for (let k = 0; k < strategies.length; k++) {
      const t0 = now();
      await strategies[k]();
      passes[k].push((now() - t0) / TIMED);
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ms = passes.map(median);
  const full = SIZES.length - 1;
  const records = rows.map((r, k) => ({
    strategy: r.kind === 'fixed' ? `always ${r.resolution}` : `adaptive, threshold ${r.threshold}`,
    top1: r.accuracy,
    averageMacs: r.averageMacs,
    macSaving: r.macSaving,
    meanMs: ms[k],
    timeSaving: 1 - ms[k] / ms[full],
    shares: r.shares,
  }));
  const cpu = `${Engine.capabilities().cpu} (${Engine.capabilities().selected}), 1 thread, load average ${os.loadavg()[0].toFixed(1)}`;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ model: name, sizes: SIZES, cpu, samples: samples.length, timedImages: TIMED, records }, null, 2));
  } else {
    console.log(`${name}, sizes ${SIZES.join('/')}, judged on "${output}"; top-1 on ${samples.length} test images; ms = mean per image over ${TIMED} images, median of ${PASSES} passes; ${cpu}\n`);
    console.log(`| strategy | top-1 % | avg MMACs | MAC saving | ms / image | time saving | decided at ${SIZES.join(' / ')} |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of records) {
      const pct = (v) => `${(100 * v).toFixed(1)}%`;
      console.log(`| ${r.strategy} | ${r.top1.toFixed(2)} | ${(r.averageMacs / 1e6).toFixed(2)} | ${pct(r.macSaving)} | ${r.meanMs.toFixed(3)} | ${pct(r.timeSaving)} | ${r.shares.map((s) => (100 * s).toFixed(0)).join(' / ')} % |`);
    }
  }
  engine.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
