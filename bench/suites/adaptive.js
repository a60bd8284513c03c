// Suite `adaptive`: input-adaptive resolution on Fashion-MNIST, batch 1, one thread: mean latency per image of
// AdaptiveResolution at the chosen threshold against always running full resolution, next to the MAC saving the
// sweep predicts. Passes over the same images alternate between the two so machine load hits both alike.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const now = () => Number(process.hrtime.bigint()) / 1e6;

async function run({ quick, log }) {
  const { Tensor } = require(path.join(root, 'dist'));
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const { AdaptiveResolution } = require(path.join(root, 'dist', 'dynamic', 'adaptive-resolution'));
  const { profileResolutions, sweepThresholds, chooseThreshold } = require(path.join(root, 'dist', 'dynamic', 'adaptive-sweep'));
  const { loadAdaptiveBenchModel } = require(path.join(root, 'dist', 'dynamic', 'adaptive-bench-model'));
  const sizes = [16, 20, 28];
  const { engine, name, output } = await loadAdaptiveBenchModel(FIXTURES, 1);
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy')).data;
  const labels = Array.from(loadNpy(path.join(FIXTURES, 'test-labels.npy')).data, Number);
  const n = quick ? 300 : 1000;
  const samples = Array.from({ length: n }, (_, i) => images.slice(i * 784, (i + 1) * 784));
  // Threshold chosen on the first n test images (within 1 point of full-resolution accuracy, fewest MACs).
  const probe = new AdaptiveResolution(engine, { sizes, threshold: 1, output });
  const profile = await profileResolutions(probe, samples, [1, 28, 28]);
  const rows = sweepThresholds(profile, probe.macsPerSize, sizes.map((s) => `${s}x${s}`), labels.slice(0, n));
  const chosen = chooseThreshold(rows, 1);
  const records = [];
  if (!chosen) {
    log(`${name}: no threshold saves MACs within 1 point of full-resolution accuracy; nothing to time`);
    engine.dispose();
    return records;
  }
  const adaptive = new AdaptiveResolution(engine, { sizes, threshold: chosen.threshold, output });
  const timed = samples.slice(0, quick ? 100 : 300).map((s) => new Tensor('float32', s, [1, 1, 28, 28]));
  const input = engine.inputs[0].name;
  const passes = { adaptive: [], full: [] };
  const candidates = {
    adaptive: async () => {
      for (const image of timed) await adaptive.classify(image);
    },
    full: async () => {
      for (const image of timed) await engine.run({ [input]: image }, { outputs: [output] });
    },
  };
  for (const c of Object.values(candidates)) await c(); // warm-up: compiles the three plans
  const deadline = now() + (quick ? 4000 : 20000);
  while (passes.full.length < (quick ? 5 : 15) || (now() < deadline && passes.full.length < 60)) {
    for (const [k, c] of Object.entries(candidates)) {
      const t0 = now();
      await c();
      passes[k].push((now() - t0) / timed.length);
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const a = median(passes.adaptive);
  const f = median(passes.full);
  const caseName = `${name} adaptive ${sizes.join('/')} t=${chosen.threshold} t1`;
  log(`${caseName}: ${a.toFixed(4)} ms/image vs full ${f.toFixed(4)} ms (${(100 * (1 - a / f)).toFixed(1)}% less time, ${(100 * chosen.macSaving).toFixed(1)}% fewer MACs; top-1 ${chosen.accuracy.toFixed(2)}% vs ${rows[sizes.length - 1].accuracy.toFixed(2)}% on ${n} images; ${passes.full.length} passes of ${timed.length} images)`);
  records.push({ case: caseName, metric: 'mean latency', value: a, unit: 'ms', vs: 'full 28x28', ratio: f / a });
  records.push({ case: caseName, metric: 'average MACs', value: chosen.averageMacs / 1e6, unit: 'MMAC', vs: 'full 28x28', ratio: probe.macsPerSize[sizes.length - 1] / chosen.averageMacs });
  records.push({ case: caseName, metric: 'top-1', value: chosen.accuracy, unit: '%', vs: 'full 28x28', ratio: chosen.accuracy / rows[sizes.length - 1].accuracy });
  engine.dispose();
  return records;
}

module.exports = {
  name: 'adaptive',
  description: 'adaptive resolution (16/20/28 px) vs full 28x28 on Fashion-MNIST: mean latency and MACs, batch 1, 1 thread',
  run,
};
