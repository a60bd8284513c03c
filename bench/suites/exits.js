// Suite `exits`: the early-exit fixture at batch 1, one thread: average latency with native early exit at a chosen
// confidence vs always running to the last exit, over the same rotating test images, beside the average-MAC saving
// the exits taken predict. Mean over images (not median): the saving comes from the mix of early and late stops.
// Every run pays the stem however early it stops, so the suite also times the fixtures' one-channel stems on the
// few-channel kernels (the Conv op's `auto`) vs the direct-conv kernels they replaced (`gemm`), in the same native
// call on the same data (median thread CPU time, runs alternated).
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const EXITS = ['exit1', 'exit2', 'logits'];
const CONFIDENCES = [0.8, 0.9];

const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Mean over the images of each candidate's fastest of `passes` runs on that image: the per-image minimum strips
 * preemption by other processes on a shared machine, the mean keeps the mix of early and late stops. Candidates
 * are interleaved image by image.
 */
function meanOfMinimumLatencies(candidates, count, passes) {
  const best = candidates.map(() => new Float64Array(count).fill(Infinity));
  for (let p = 0; p < passes; p++) {
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < candidates.length; c++) {
        const t0 = now();
        candidates[c](i);
        const dt = now() - t0;
        if (dt < best[c][i]) best[c][i] = dt;
      }
    }
  }
  return best.map((b) => b.reduce((sum, t) => sum + t, 0) / count);
}

// The fixtures' stems: exits-fmnist 1->24, resnet-fmnist 1->16, mobilenet-fmnist 1->16 stride 2 (hard-swish).
const STEMS = [
  { name: 'exits-fmnist stem', c: 1, m: 24, k: 3, stride: 1, h: 28, activation: 'relu' },
  { name: 'resnet-fmnist stem', c: 1, m: 16, k: 3, stride: 1, h: 28, activation: 'relu' },
  { name: 'mobilenet-fmnist stem', c: 1, m: 16, k: 3, stride: 2, h: 28, activation: 'hard_swish' },
];

function stemRecords(quick, log) {
  const native = require('bindings')('sparq');
  if (typeof native.benchConvFewChannelsF32 !== 'function') throw new Error('the addon does not export benchConvFewChannelsF32');
  return STEMS.map(({ name, ...shape }) => {
    const r = native.benchConvFewChannelsF32({ ...shape, reps: quick ? 201 : 2001 });
    const caseName = `${name} ${shape.c}x${shape.h}x${shape.h} -> ${shape.m} k${shape.k} s${shape.stride} t1`;
    log(`${caseName}: ${r.kernel} ${(r.ms * 1000).toFixed(2)} us vs ${r.baselineKernel} ${(r.baselineMs * 1000).toFixed(2)} us (${(r.baselineMs / r.ms).toFixed(2)}x, max |diff| ${r.maxAbsDiff.toExponential(1)})`);
    return { case: caseName, metric: 'latency', value: r.ms, unit: 'ms', vs: 'f32-dconv', ratio: r.baselineMs / r.ms, kernel: r.kernel, baseline: r.baselineKernel, baselineMs: r.baselineMs };
  });
}

async function run({ quick, log }) {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const { engineExitMacs } = require(path.join(root, 'dist', 'cli', 'exit-macs'));
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy')).data;
  const count = quick ? 200 : 1000;
  const passes = quick ? 3 : 7;
  const feeds = Array.from({ length: count }, (_, i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) }));
  const engine = await Engine.load(path.join(FIXTURES, 'exits-fmnist.onnx'), { threads: 1 });
  const macs = engineExitMacs(engine, EXITS, [1, 28, 28]);
  const records = [];
  try {
    for (let i = 0; i < 20; i++) engine.runSync(feeds[i]); // warm-up (plan compiled on the first run)
    for (const confidence of CONFIDENCES) {
      const options = { exits: EXITS, confidence };
      // The exits this confidence takes on these images, from the native runs themselves.
      const taken = feeds.map((f) => engine.runSync(f, options).exit);
      const averageMacs = taken.reduce((sum, e) => sum + macs[EXITS.indexOf(e)], 0) / count;
      const shares = EXITS.map((e) => `${e} ${((100 * taken.filter((x) => x === e).length) / count).toFixed(1)}%`).join(', ');
      const [full, early] = meanOfMinimumLatencies([(i) => engine.runSync(feeds[i]), (i) => engine.runSync(feeds[i], options)], count, passes);
      const caseName = `exits-fmnist confidence ${confidence} 1x1x28x28 t1`;
      const macRatio = macs[EXITS.length - 1] / averageMacs;
      log(`${caseName}: ${early.toFixed(4)} ms vs always-full ${full.toFixed(4)} ms per image (${(full / early).toFixed(2)}x, time saving ${(100 * (1 - early / full)).toFixed(1)}%); MACs ${(averageMacs / 1e6).toFixed(2)}M vs ${(macs[EXITS.length - 1] / 1e6).toFixed(2)}M (${macRatio.toFixed(2)}x, saving ${(100 * (1 - 1 / macRatio)).toFixed(1)}%); exits ${shares}; ${count} images x ${passes} passes`);
      records.push({ case: caseName, metric: 'mean min latency', value: early, unit: 'ms', vs: 'full', ratio: full / early });
      records.push({ case: caseName, metric: 'average MACs', value: averageMacs / 1e6, unit: 'MMAC', vs: 'full', ratio: macRatio });
    }
    // Where the gap between time and MAC saving comes from: every image forced out at each exit (confidence 0 with
    // the exit listed first), as a share of the always-full time beside that exit's share of the MACs.
    // Last, the cost of the exit machinery itself: only the final output listed as exit, so the run goes to the end.
    const forced = EXITS.slice(0, -1).map((e, k) => (i) => engine.runSync(feeds[i], { exits: EXITS.slice(k), confidence: 0 }));
    const lastOnly = { exits: EXITS.slice(-1), confidence: 1 };
    const [fullTime, ...forcedTimes] = meanOfMinimumLatencies([(i) => engine.runSync(feeds[i]), ...forced, (i) => engine.runSync(feeds[i], lastOnly)], count, passes);
    const lastOnlyTime = forcedTimes.pop();
    const overhead = `exits-fmnist exit rule overhead 1x1x28x28 t1`;
    log(`${overhead}: ${lastOnlyTime.toFixed(4)} ms with only ${EXITS[EXITS.length - 1]} listed as exit vs ${fullTime.toFixed(4)} ms plain (+${(1000 * (lastOnlyTime - fullTime)).toFixed(2)} us)`);
    records.push({ case: overhead, metric: 'mean min latency', value: lastOnlyTime, unit: 'ms', vs: 'full', ratio: fullTime / lastOnlyTime });
    forcedTimes.forEach((t, k) => {
      const caseName = `exits-fmnist forced ${EXITS[k]} 1x1x28x28 t1`;
      log(`${caseName}: ${t.toFixed(4)} ms = ${((100 * t) / fullTime).toFixed(1)}% of always-full ${fullTime.toFixed(4)} ms, for ${((100 * macs[k]) / macs[EXITS.length - 1]).toFixed(1)}% of the MACs`);
      records.push({ case: caseName, metric: 'mean min latency', value: t, unit: 'ms', vs: 'full', ratio: fullTime / t });
    });
  } finally {
    engine.dispose();
  }
  records.push(...stemRecords(quick, log));
  return records;
}

module.exports = {
  name: 'exits',
  description: 'early exit on the Fashion-MNIST exits fixture vs always running to the end, and the fixtures\' stems on the few-channel kernels vs direct conv, batch 1, 1 thread',
  run,
};
