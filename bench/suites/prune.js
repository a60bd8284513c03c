// Suite `prune`: end-to-end latency of 2:4-pruned Fashion-MNIST fixtures (every conv but the stem, not the
// classifier) against the dense model, batch 1, one thread, same process; fp32, and int8 when engine.quantize is
// available. The 2:4 weights come from magnitude pruning: speed depends on the pattern, not on the kept values.
'use strict';
const path = require('path');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures', 'fashion-mnist');

/** How many ops of the last run used a 2:4 kernel, out of the Conv/Gemm ops. */
function sparseOps(engine) {
  const ops = engine.profile().filter((op) => /conv|gemm|matmul/i.test(op.type));
  return `${ops.filter((op) => /sparse24|2:4/i.test(op.kernel)).length}/${ops.length} conv/gemm ops on 2:4 kernels`;
}

async function run({ quick, log }) {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const images = loadNpy(path.join(FIXTURES, 'calibration.npy')).data;
  const sample = (i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const calibration = Array.from({ length: quick ? 64 : 256 }, (_, i) => sample(i));
  const inputs = Array.from({ length: 8 }, (_, i) => sample(300 + i));
  const options = quick ? { warmup: 5, minRuns: 30, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 20, minRuns: 200, minTimeMs: 3000, maxTimeMs: 20000 };
  const records = [];
  for (const model of ['resnet-fmnist', 'mobilenet-fmnist']) {
    const dense = await Engine.load(path.join(FIXTURES, `${model}.onnx`), { threads: 1 });
    const sparse = await dense.prune({ pattern: '2:4', method: 'magnitude' });
    const pairs = [{ precision: 'fp32', dense, sparse }];
    try {
      pairs.push({ precision: 'int8', dense: await dense.quantize({ calibration }), sparse: await sparse.quantize({ calibration }) });
    } catch (err) {
      log(`${model} int8: not measured: ${err.message}`);
    }
    for (const { precision, dense: d, sparse: s } of pairs) {
      const [a, b] = await compareLatency([async (k) => d.runSync(inputs[k % 8]), async (k) => s.runSync(inputs[k % 8])], options);
      const caseName = `${model} 2:4 ${precision} 1x1x28x28 t1`;
      log(`${caseName}: 2:4 ${b.p50.toFixed(4)} ms vs dense ${a.p50.toFixed(4)} ms (${sparseOps(s)}; ${b.runs}/${a.runs} runs)`);
      records.push({ case: caseName, metric: 'p50 latency', value: b.p50, unit: 'ms', vs: 'dense', ratio: a.p50 / b.p50 });
      records.push({ case: caseName, metric: 'min latency', value: b.min, unit: 'ms', vs: 'dense', ratio: a.min / b.min });
      if (precision === 'int8') {
        d.dispose();
        s.dispose();
      }
    }
    dense.dispose();
    sparse.dispose();
  }
  return records;
}

module.exports = {
  name: 'prune',
  description: '2:4-pruned Fashion-MNIST fixtures vs dense, fp32 and int8, batch 1, 1 thread',
  run,
};
