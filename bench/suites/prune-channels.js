// Suite `prune-channels`: latency of the channel-pruned Fashion-MNIST fixtures (ratio 0.25, L1 + least-squares
// reconstruction on 256 calibration images) against the unpruned model, batch 1, one thread, same process.
'use strict';
const path = require('path');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const RATIO = 0.25;

async function run({ quick, log }) {
  const dist = (p) => require(path.join(root, 'dist', p));
  const { Engine, Tensor } = dist('index');
  const { loadNpy } = dist('format/npy');
  const { foldConstants } = dist('passes/constant-folding');
  const { foldBatchNorms } = dist('passes/batchnorm-folding');
  const { foldConvAffine } = dist('passes/conv-affine-folding');
  const { removeDeadNodes } = dist('passes/dead-nodes');
  const { pruneChannels } = dist('prune/channel-pruning');
  const images = loadNpy(path.join(FIXTURES, 'calibration.npy')).data;
  const sample = (i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const calibration = Array.from({ length: quick ? 64 : 256 }, (_, i) => sample(i));
  const inputs = Array.from({ length: 8 }, (_, i) => sample(300 + i));
  const options = quick ? { warmup: 5, minRuns: 30, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 20, minRuns: 200, minTimeMs: 3000, maxTimeMs: 20000 };
  const records = [];
  for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
    const engine = await Engine.load(path.join(FIXTURES, `${model}.onnx`), { threads: 1 });
    let g = engine.sourceGraph();
    foldConstants(g);
    g = foldBatchNorms(g);
    g = foldConvAffine(g);
    removeDeadNodes(g);
    const ctx = { method: 'reconstruct', ranking: 'l1', samples: calibration, exclude: new Set(), engineOptions: { threads: 1 } };
    const pruned = Engine.fromGraph(await pruneChannels(g, RATIO, ctx), { threads: 1 });
    const macs = [engine, pruned].map((e) => e.summary().totals.macs);
    const [dense, small] = await compareLatency(
      [async (k) => engine.runSync(inputs[k % 8]), async (k) => pruned.runSync(inputs[k % 8])],
      options,
    );
    const caseName = `${model} channels ${RATIO} 1x1x28x28 t1`;
    log(`${caseName}: pruned ${small.p50.toFixed(4)} ms vs unpruned ${dense.p50.toFixed(4)} ms (MACs ${macs[1]} vs ${macs[0]}, ${small.runs}/${dense.runs} runs)`);
    records.push({ case: caseName, metric: 'p50 latency', value: small.p50, unit: 'ms', vs: 'unpruned', ratio: dense.p50 / small.p50 });
    records.push({ case: caseName, metric: 'min latency', value: small.min, unit: 'ms', vs: 'unpruned', ratio: dense.min / small.min });
    records.push({ case: caseName, metric: 'MACs', value: macs[1], unit: 'MACs', vs: 'unpruned', ratio: macs[0] / macs[1] });
    engine.dispose();
    pruned.dispose();
  }
  return records;
}

module.exports = {
  name: 'prune-channels',
  description: 'channel-pruned Fashion-MNIST fixtures (ratio 0.25, L1 + reconstruction) vs unpruned, batch 1, 1 thread',
  run,
};
