// Suite `sparse`: 2:4 structured-sparse GEMM vs our dense GEMM on the zero-filled weights (ResNet-50 im2col shapes
// and a batch-1 fully connected layer), fp32 and int8, one thread; both timed in the same native call. fp32: the
// Gemm op with algorithm "sparse24" (2:4 GEMV kernel for one row) vs "gemm".
'use strict';

const SHAPES = [
  [3136, 64, 576],
  [784, 128, 1152],
  [196, 256, 2304],
  [49, 512, 4608],
  [1, 4096, 4096],
];

function addon() {
  const native = require('bindings')('sparq');
  if (typeof native.benchSparse24F32 !== 'function') {
    throw new Error('the addon does not export benchSparse24F32: AddSparseBenchExports is not wired into module.cc');
  }
  return native;
}

async function run({ quick, log }) {
  const native = addon();
  const records = [];
  for (const [m, n, k] of SHAPES) {
    const shape = `${m}x${n}x${k}`;
    const reps = quick ? 7 : m === 1 ? 61 : 31;
    for (const [dtype, fn] of [['fp32', native.benchSparse24F32], ['int8', native.benchSparse24Qu8]]) {
      const r = fn({ m, n, k, reps });
      log(`${dtype} ${shape}: ${r.kernel} ${r.ms.toFixed(3)} ms vs ${r.baselineKernel} ${r.baselineMs.toFixed(3)} ms [${r.isa}]`);
      records.push({
        case: `${dtype} ${shape}`,
        metric: 'latency',
        value: r.ms,
        unit: 'ms',
        vs: 'dense',
        ratio: r.baselineMs / r.ms,
        kernel: r.kernel,
        baseline: r.baselineKernel,
        baselineMs: r.baselineMs,
        denseEquivalentGops: (2 * m * n * k) / (r.ms * 1e6),
      });
    }
  }
  return records;
}

module.exports = {
  name: 'sparse',
  description: '2:4 sparse GEMM vs dense GEMM on the zero-filled weights (fp32 and int8, 1 thread, thread CPU time)',
  run,
};
