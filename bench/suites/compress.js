// Suite `compress`: issue 7's Done-when through the command line. On both Fashion-MNIST fixtures it runs
// `sparq compress MODEL --calib calibration.npy --max-drop 1 --eval <test images 0-1399> --threads 1 -o best.sparq`
// (the CLI tunes on the first half of --eval, images 0-699, and checks the budget on the second, 700-1399), then
// measures the written model on test images 1400-1999, which neither tuning nor the choice saw, and times it against
// plain int8 (engine.quantize's defaults, same calibration samples) in one interleaved comparison, batch 1, one thread.
// It prints the Done-when verdict per model: drop <= 1 on the unseen images and p50 faster than plain int8 by more
// than engine.compress's latency tie (3%). --quick tries 5 strategies on 64 calibration samples; the full run all
// default strategies on 500.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const CLI = path.join(root, 'dist', 'cli', 'main.js');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const QUICK_STRATEGIES = ['int8', 'fp32', 'int8-fast', 'channels-0.25-thinet-fp32', 'blocks-1-fast'];
/** Test images [0, EVAL_END) go to --eval (halved by the CLI); [EVAL_END, 2000) are the unseen split. */
const EVAL_END = 1400;
const MAX_DROP = 1;
const PER = 28 * 28;

/** Runs `sparq compress ... --json` (progress shown on stderr); its JSON result, also when it exits 1 (over budget). */
function compressCli(args) {
  try {
    return JSON.parse(execFileSync(process.execPath, [CLI, 'compress', ...args, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }));
  } catch (err) {
    if (err.status === 1 && err.stdout) return JSON.parse(err.stdout);
    throw err;
  }
}

async function run({ quick, log }) {
  const dist = (p) => require(path.join(root, 'dist', p));
  const { Engine, Tensor } = dist('index');
  const { loadNpy, saveNpy } = dist('format/npy');
  // Faster means outside engine.compress's own latency tie (3%): a smaller gap is what two equal models can measure.
  const faster = 1 + dist('compress/compress-engine').LATENCY_TIE;
  const calibrationFile = path.join(FIXTURES, 'calibration.npy');
  const calibration = loadNpy(calibrationFile).data;
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy')).data;
  const labels = loadNpy(path.join(FIXTURES, 'test-labels.npy')).data;
  const calibSamples = quick ? 64 : 500;
  const feed = (data, i) => ({ input: new Tensor('float32', data.slice(i * PER, (i + 1) * PER), [1, 1, 28, 28]) });
  const calib = Array.from({ length: calibSamples }, (_, i) => feed(calibration, i));
  const top1 = (engine, from, to) => {
    let correct = 0;
    for (let i = from; i < to; i++) {
      const scores = Object.values(engine.runSync(feed(images, i)))[0].data;
      let best = 0;
      for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
      if (BigInt(best) === labels[i]) correct++;
    }
    return (100 * correct) / (to - from);
  };
  const unseen = [EVAL_END, labels.length];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-compress-bench-'));
  const evalImages = path.join(dir, 'eval-images.npy');
  const evalLabels = path.join(dir, 'eval-labels.npy');
  saveNpy(evalImages, { type: 'float32', dims: [EVAL_END, 1, 28, 28], data: images.slice(0, EVAL_END * PER) });
  saveNpy(evalLabels, { type: 'int64', dims: [EVAL_END], data: labels.slice(0, EVAL_END) });
  const inputs = Array.from({ length: 8 }, (_, i) => feed(calibration, 300 + i));
  const options = quick ? { warmup: 5, minRuns: 30, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 20, minRuns: 200, minTimeMs: 3000, maxTimeMs: 20000 };
  const records = [];
  try {
    for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
      const onnx = path.join(FIXTURES, `${model}.onnx`);
      const out = path.join(dir, `${model}.sparq`);
      const args = [onnx, '--calib', calibrationFile, '--calib-samples', String(calibSamples), '--max-drop', String(MAX_DROP), '--eval', evalImages, '--labels', evalLabels, '--threads', '1', '-o', out];
      if (quick) args.push('--strategies', QUICK_STRATEGIES.join(','));
      log(`${model}: sparq compress ${args.map((a) => (a.startsWith(root) ? path.relative(root, a) : a)).join(' ')}`);
      const t0 = Date.now();
      const result = compressCli(args);
      const seconds = (Date.now() - t0) / 1000;
      for (const t of result.steps.slice(1)) {
        log(`${model} ${t.name}${t.name === result.chosen ? ' (chosen)' : ''}: held-out drop ${t.drop === null ? '-' : t.drop.toFixed(2)}, ${t.latencyMs === null ? t.error : `${t.latencyMs.toFixed(4)} ms`}, within budget ${t.withinBudget}`);
      }
      if (!result.withinBudget) {
        log(`${model}: Done-when NOT MET: compress found no strategy within ${MAX_DROP} point (closest: ${result.chosen}, held-out drop ${result.heldOutDrop.toFixed(2)}); nothing written`);
        records.push({ case: `${model} maxDrop ${MAX_DROP}`, metric: 'held-out top-1 drop', value: result.heldOutDrop, unit: 'points' });
        continue;
      }
      const original = await Engine.load(onnx, { threads: 1 });
      const chosen = await Engine.load(out, { threads: 1 });
      const int8 = await original.quantize({ calibration: calib });
      try {
        const unseenDrop = top1(original, ...unseen) - top1(chosen, ...unseen);
        const [c, plain] = await compareLatency([chosen, int8].map((e) => async (k) => e.runSync(inputs[k % 8])), options);
        const ratio = plain.p50 / c.p50;
        const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
        log(`${model}: chose ${result.chosen} in ${seconds.toFixed(0)} s; held-out drop ${result.heldOutDrop.toFixed(2)}, drop on the unseen images ${unseen.join('-')} ${unseenDrop.toFixed(2)}; ` +
          `p50 ${c.p50.toFixed(4)} ms vs plain int8 ${plain.p50.toFixed(4)} ms = ${ratio.toFixed(2)}x (${c.runs} interleaved runs each); load average ${load}`);
        const met = unseenDrop <= MAX_DROP && ratio > faster;
        log(`${model}: Done-when (issue 7): within ${MAX_DROP} point on the unseen split ${unseenDrop <= MAX_DROP ? 'yes' : 'NO'}, ` +
          `faster than plain int8 by more than the ${((faster - 1) * 100).toFixed(0)}% latency tie ${ratio > faster ? 'yes' : 'NO'} (${ratio.toFixed(2)}x) -> ${met ? 'MET' : 'NOT MET'}`);
        const caseName = `${model} maxDrop ${MAX_DROP} -> ${result.chosen} 1x1x28x28 t1`;
        records.push({ case: caseName, metric: 'p50 latency', value: c.p50, unit: 'ms', vs: 'plain int8', ratio });
        records.push({ case: caseName, metric: 'min latency', value: c.min, unit: 'ms', vs: 'plain int8', ratio: plain.min / c.min });
        records.push({ case: caseName, metric: 'held-out top-1 drop', value: result.heldOutDrop, unit: 'points' });
        records.push({ case: caseName, metric: 'unseen-split top-1 drop', value: unseenDrop, unit: 'points' });
        records.push({ case: caseName, metric: 'search time', value: seconds, unit: 's' });
      } finally {
        int8.dispose();
        chosen.dispose();
        original.dispose();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return records;
}

module.exports = {
  name: 'compress',
  description: `sparq compress --max-drop ${MAX_DROP} on the Fashion-MNIST fixtures: drop on unseen images, chosen model vs plain int8, batch 1, 1 thread`,
  run,
};
