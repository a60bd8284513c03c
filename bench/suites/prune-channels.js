// Suite `prune-channels`: latency of the channel-pruned Fashion-MNIST fixtures (ratios 0.25, 0.375 and 0.5, residual
// streams whole as by default; and ratio 0.4 with channelAlign 16, whole AVX-512 vectors) and of the model with 2
// residual blocks removed, against the unpruned model, batch 1, one thread, same process. Shapes alone set the
// latency, so channels are L1-ranked without reconstruction (reconstruction changes values, not shapes); the blocks
// are chosen on the 500 calibration images as in the README table (64 with --quick).
'use strict';
const path = require('path');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');
/** Channel variants: ratio and channelAlign (4 is the default). */
const VARIANTS = [
  { ratio: 0.25, align: 4 },
  { ratio: 0.375, align: 4 },
  { ratio: 0.5, align: 4 },
  { ratio: 0.4, align: 16 },
];

async function run({ quick, log }) {
  const dist = (p) => require(path.join(root, 'dist', p));
  const { Engine, Tensor } = dist('index');
  const { loadNpy } = dist('format/npy');
  const { foldForPruning } = dist('prune/prune-engine');
  const { pruneChannels } = dist('prune/channel-pruning');
  const { pruneBlocks } = dist('prune/block-pruning');
  const images = loadNpy(path.join(FIXTURES, 'calibration.npy')).data;
  const sample = (i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const inputs = Array.from({ length: 8 }, (_, i) => sample(300 + i));
  const options = quick ? { warmup: 5, minRuns: 30, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 20, minRuns: 200, minTimeMs: 3000, maxTimeMs: 20000 };
  const records = [];
  for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
    const engine = await Engine.load(path.join(FIXTURES, `${model}.onnx`), { threads: 1 });
    const g = foldForPruning(engine.sourceGraph());
    const ctx = { method: 'magnitude', ranking: 'l1', samples: [], exclude: new Set(), engineOptions: { threads: 1 } };
    const pruned = [];
    for (const { ratio, align } of VARIANTS) pruned.push(Engine.fromGraph(await pruneChannels(g, ratio, { ...ctx, channelAlign: align }), { threads: 1 }));
    const blockCtx = { ...ctx, samples: Array.from({ length: quick ? 64 : 500 }, (_, i) => sample(i)) };
    pruned.push(Engine.fromGraph(await pruneBlocks(g, 2, blockCtx), { threads: 1 }));
    const all = [engine, ...pruned];
    const macs = all.map((e) => e.summary().totals.macs);
    // One interleaved comparison: the unpruned model and every variant see the same machine load.
    const times = await compareLatency(all.map((e) => async (k) => e.runSync(inputs[k % 8])), options);
    [...VARIANTS.map(({ ratio, align }) => `channels ${ratio}${align === 4 ? '' : ` align ${align}`}`), 'blocks 2'].forEach((what, i) => {
      const [dense, small] = [times[0], times[i + 1]];
      const caseName = `${model} ${what} 1x1x28x28 t1`;
      log(`${caseName}: pruned ${small.p50.toFixed(4)} ms vs unpruned ${dense.p50.toFixed(4)} ms p50, ${(100 * (1 - small.p50 / dense.p50)).toFixed(1)}% lower; MACs ${macs[i + 1]} vs ${macs[0]}, ${(100 * (1 - macs[i + 1] / macs[0])).toFixed(1)}% removed (${small.runs}/${dense.runs} runs)`);
      records.push({ case: caseName, metric: 'p50 latency', value: small.p50, unit: 'ms', vs: 'unpruned', ratio: dense.p50 / small.p50 });
      records.push({ case: caseName, metric: 'min latency', value: small.min, unit: 'ms', vs: 'unpruned', ratio: dense.min / small.min });
      records.push({ case: caseName, metric: 'MACs', value: macs[i + 1], unit: 'MACs', vs: 'unpruned', ratio: macs[0] / macs[i + 1] });
    });
    for (const e of all) e.dispose();
  }
  return records;
}

module.exports = {
  name: 'prune-channels',
  description: 'channel-pruned (ratios 0.25, 0.375, 0.5; 0.4 aligned to 16) and block-pruned (2 blocks) Fashion-MNIST fixtures vs unpruned, batch 1, 1 thread',
  run,
};
