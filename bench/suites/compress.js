// Suite `compress`: engine.compress({ maxDrop: 1 }) on the Fashion-MNIST fixtures (tuning on test images 0-999,
// budget held out on 1000-1999), then the chosen model against plain int8 (engine.quantize defaults, same
// calibration) in one interleaved latency comparison, batch 1, one thread. --quick tries 5 strategies, else all.
'use strict';
const path = require('path');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const QUICK_STRATEGIES = ['int8', 'fp32', 'int8-fast', 'channels-0.25-thinet-fp32', 'blocks-1-fast'];

async function run({ quick, log }) {
  const dist = (p) => require(path.join(root, 'dist', p));
  const { Engine, Tensor } = dist('index');
  const { loadNpy } = dist('format/npy');
  const { STRATEGY_IDS } = dist('compress/compress-strategies');
  const calibration = loadNpy(path.join(FIXTURES, 'calibration.npy')).data;
  const images = loadNpy(path.join(FIXTURES, 'test-images.npy')).data;
  const labels = loadNpy(path.join(FIXTURES, 'test-labels.npy')).data;
  const feed = (data, i) => ({ input: new Tensor('float32', data.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const calib = Array.from({ length: quick ? 64 : 500 }, (_, i) => feed(calibration, i));
  const top1 = (from, to) => (engine) => {
    let correct = 0;
    for (let i = from; i < to; i++) {
      const scores = Object.values(engine.runSync(feed(images, i)))[0].data;
      let best = 0;
      for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
      if (BigInt(best) === labels[i]) correct++;
    }
    return (100 * correct) / (to - from);
  };
  const inputs = Array.from({ length: 8 }, (_, i) => feed(calibration, 300 + i));
  const options = quick ? { warmup: 5, minRuns: 30, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 20, minRuns: 200, minTimeMs: 3000, maxTimeMs: 20000 };
  const records = [];
  for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
    const engine = await Engine.load(path.join(FIXTURES, `${model}.onnx`), { threads: 1 });
    const t0 = Date.now();
    const result = await engine.compress({
      calibration: calib,
      evaluate: top1(0, 1000),
      holdout: top1(1000, 2000),
      maxDrop: 1,
      ...(quick ? { strategies: QUICK_STRATEGIES.map((id) => STRATEGY_IDS[id]) } : {}),
      onProgress: (ev) => {
        if (ev.phase === 'strategies' && ev.strategy) log(`${model}: [${ev.done + 1}/${ev.total}] ${ev.strategy} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      },
    });
    const seconds = (Date.now() - t0) / 1000;
    const int8 = await engine.quantize({ calibration: calib });
    const [chosen, plain] = await compareLatency([result.engine, int8].map((e) => async (k) => e.runSync(inputs[k % 8])), options);
    const c = result.chosen;
    for (const t of result.trials) {
      const extra = t.floatLayers?.length ? `, fp32 layers ${t.floatLayers.join(' ')}` : '';
      log(`${model} ${t.name}${t.chosen ? ' (chosen)' : ''}: held-out drop ${t.drop === null ? '-' : t.drop.toFixed(2)}, ${t.latencyMs === null ? t.error : `${t.latencyMs.toFixed(4)} ms`}, within budget ${t.withinBudget}${extra}`);
    }
    const load = require('os').loadavg().map((x) => x.toFixed(2)).join(' ');
    log(`${model}: chose ${c.name} (within budget ${result.withinBudget}) in ${seconds.toFixed(0)} s; p50 ${chosen.p50.toFixed(4)} ms vs plain int8 ${plain.p50.toFixed(4)} ms = ${(plain.p50 / chosen.p50).toFixed(2)}x (${chosen.runs} interleaved runs each); load average ${load}`);
    const caseName = `${model} maxDrop 1 -> ${c.name} 1x1x28x28 t1`;
    records.push({ case: caseName, metric: 'p50 latency', value: chosen.p50, unit: 'ms', vs: 'plain int8', ratio: plain.p50 / chosen.p50 });
    records.push({ case: caseName, metric: 'min latency', value: chosen.min, unit: 'ms', vs: 'plain int8', ratio: plain.min / chosen.min });
    records.push({ case: caseName, metric: 'held-out top-1 drop', value: c.drop, unit: 'points' });
    records.push({ case: caseName, metric: 'search time', value: seconds, unit: 's' });
    result.engine.dispose();
    int8.dispose();
    engine.dispose();
  }
  return records;
}

module.exports = {
  name: 'compress',
  description: 'engine.compress within 1 point on the Fashion-MNIST fixtures: chosen model vs plain int8, batch 1, 1 thread',
  run,
};
