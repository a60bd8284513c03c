// Suite `winograd`: Winograd 3x3 conv vs our best non-Winograd conv, batch 1, one thread; both timed in the same native
// call on the same data. Stride 1 (F(2,3)) on ResNet 3x3 layers and the 48/64-channel layers of exits-fmnist; stride 2
// (the polyphase F(2x2,3x3), fp32 only) on the stride-2 layers of exits-fmnist and resnet-fmnist and three ResNet-50-sized ones. fp32: the Conv op with
// algorithm "winograd" vs "gemm" (the direct-conv kernels or im2col + GEMM, whichever the plan's cost rule picks);
// int8: the kernels vs im2col + our best dense int8 GEMM. Records say vs 'non-winograd'; the baseline's kernel name
// is in each record.
'use strict';

// hw = input size, c -> m channels; pad 1 on every side.
const LAYERS = [
  { c: 64, m: 64, hw: 56, stride: 1, int8: true },
  { c: 128, m: 128, hw: 28, stride: 1, int8: true },
  { c: 256, m: 256, hw: 14, stride: 1, int8: true },
  { c: 512, m: 512, hw: 7, stride: 1, int8: true },
  { c: 48, m: 48, hw: 14, stride: 1, model: 'exits-fmnist' },
  { c: 64, m: 64, hw: 7, stride: 1, model: 'exits-fmnist' },
  { c: 24, m: 48, hw: 28, stride: 2, model: 'exits-fmnist' },
  { c: 48, m: 64, hw: 14, stride: 2, model: 'exits-fmnist' },
  { c: 64, m: 128, hw: 7, stride: 2, model: 'exits-fmnist' },
  { c: 16, m: 32, hw: 14, stride: 2, model: 'resnet-fmnist' },
  { c: 32, m: 64, hw: 7, stride: 2, model: 'resnet-fmnist' },
  // ResNet-50-sized stride-2 3x3s: even outputs (28x28, 14x14), where the 2x2 tiles fit exactly, and an odd one (7x7).
  { c: 64, m: 128, hw: 56, stride: 2 },
  { c: 128, m: 256, hw: 28, stride: 2 },
  { c: 256, m: 512, hw: 14, stride: 2 },
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
  const records = [];
  for (const { c, m, hw, stride, int8, model } of LAYERS) {
    const out = Math.floor((hw - 1) / stride) + 1;
    const shape = `${c}x${m}@${hw}x${hw}${stride === 2 ? '/s2' : ''}`;
    const macs = out * out * c * m * 9;
    // Small layers take microseconds: more runs for the same confidence.
    const reps = (quick ? 7 : 41) * (macs < 5e6 ? 5 : 1);
    const kinds = [['fp32', native.benchWinogradF32]];
    if (int8) kinds.push(['int8', native.benchWinogradQu8]);
    for (const [dtype, fn] of kinds) {
      const r = fn({ h: hw, w: hw, c, m, stride, reps });
      const where = model ? ` (${model})` : '';
      log(`${dtype} ${shape}${where}: ${r.kernel} ${r.ms.toFixed(4)} ms vs ${r.baselineKernel} ${r.baselineMs.toFixed(4)} ms` +
          ` = ${(r.baselineMs / r.ms).toFixed(2)}x [${r.isa}]`);
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
  description:
    'Winograd F(2,3) (stride 1) and its polyphase stride-2 form vs our best non-Winograd conv on ResNet and exits-fmnist 3x3 layers (fp32 and int8, batch 1, 1 thread, thread CPU time)',
  run,
};
