// Suite `winograd`: Winograd F(2,3) 3x3 conv vs our best non-Winograd conv on ResNet 3x3 layers, batch 1, one thread;
// both timed in the same native call on the same data. fp32: the Conv op with algorithm "winograd" vs "gemm" (the
// direct-conv kernels or im2col + GEMM, whichever the plan's cost rule picks); int8: the kernels vs im2col + our best
// dense int8 GEMM. Records say vs 'non-winograd'; the baseline's kernel name is in each record.
'use strict';

const LAYERS = [
  { c: 64, hw: 56 },
  { c: 128, hw: 28 },
  { c: 256, hw: 14 },
  { c: 512, hw: 7 },
];

function addon() {
  const native = require('bindings')('sparq');
  if (typeof native.benchWinogradF32 !== 'function') {
    throw new Error('the addon does not export benchWinogradF32: AddSparseBenchExports is not wired into module.cc');
  }
  return native;
}

async function run({ quick, log }) {
  const native = addon();
  const reps = quick ? 7 : 41;
  const records = [];
  for (const { c, hw } of LAYERS) {
    const shape = `${c}x${c}@${hw}x${hw}`;
    const macs = hw * hw * c * c * 9;
    for (const [dtype, fn] of [['fp32', native.benchWinogradF32], ['int8', native.benchWinogradQu8]]) {
      const r = fn({ h: hw, w: hw, c, m: c, reps });
      log(`${dtype} ${shape}: ${r.kernel} ${r.ms.toFixed(3)} ms vs ${r.baselineKernel} ${r.baselineMs.toFixed(3)} ms [${r.isa}]`);
      records.push({
        case: `${dtype} ${shape}`,
        metric: 'latency',
        value: r.ms,
        unit: 'ms',
        vs: 'non-winograd',
        ratio: r.baselineMs / r.ms,
        kernel: r.kernel,
        baseline: r.baselineKernel,
        baselineMs: r.baselineMs,
        effectiveGops: (2 * macs) / (r.ms * 1e6),
      });
    }
  }
  return records;
}

module.exports = {
  name: 'winograd',
  description: 'Winograd F(2,3) vs our best non-Winograd conv on ResNet 3x3 layers (fp32 and int8, batch 1, 1 thread, thread CPU time)',
  run,
};
