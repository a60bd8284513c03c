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

/** Median GOPS (2 ops per MAC) of `probe(iterations)` over `samples` calls of about 20 ms each (thread CPU time). */
function probeGops(probe, samples) {
  const first = probe(100000);
  const iterations = Math.max(1000, Math.round((100000 * 0.02) / Math.max(first.cpuSeconds, 1e-6)));
  const rates = [];
  for (let s = 0; s < samples; s++) {
    const r = probe(iterations);
    rates.push((2 * r.macs) / r.cpuSeconds / 1e9);
  }
  return rates.sort((a, b) => a - b)[samples >> 1];
}

/**
 * The ceiling on 2:4 int8 vs dense int8 on this core, measured in-run: one byte shuffle + vpdpbusd pair of the 2:4
 * kernel does the work of two dense vpdpbusd, so the bound is 2 x pair rate / vpdpbusd rate (all from tight loops
 * of independent instructions, interleaved). Two shuffles are timed: vpermb (across the whole register, what our
 * kernel uses) and vpshufb (within 16-byte lanes, cheaper on some cores); the bound is the better of the two.
 * Null where the CPU lacks AVX-512 VBMI + VNNI.
 */
function sparseInt8Bound(native, samples, log) {
  if (typeof native.sparse24PairProbe !== 'function' || native.sparse24PairProbe(1000) === null) return null;
  const dense = (it) => {
    const r = native.qs8PeakProbe('qs8-gemm-8x32c4-avx512vnni', it);
    return { macs: r.macs, cpuSeconds: r.cpuSeconds };
  };
  const shuffles = ['vpermb', 'vpshufb'];
  const pairs = shuffles.map(() => []);
  const singles = [];
  for (let s = 0; s < samples; s++) {
    singles.push(probeGops(dense, 1));
    shuffles.forEach((shuffle, i) => pairs[i].push(probeGops((it) => native.sparse24PairProbe(it, shuffle), 1)));
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const dpbusd = median(singles);
  const pairGops = pairs.map(median);
  const bounds = pairGops.map((pair) => (2 * pair) / dpbusd);
  shuffles.forEach((shuffle, i) =>
    log(`2:4 int8 ceiling: ${shuffle}+vpdpbusd pairs ${pairGops[i].toFixed(0)} GOPS (of their own MACs) vs vpdpbusd alone ${dpbusd.toFixed(0)} GOPS; a pair covers 8 dense K, so 2:4 int8 on ${shuffle} can be at most ${bounds[i].toFixed(2)}x dense int8 here`),
  );
  const best = bounds[0] >= bounds[1] ? 0 : 1;
  return { case: 'int8 2:4 ceiling', metric: 'bound', value: bounds[best], unit: 'x dense', vs: null, ratio: null, shuffle: shuffles[best], pairGops: pairGops[best], dpbusdGops: dpbusd };
}

async function run({ quick, log }) {
  const native = addon();
  const records = [];
  const ceiling = sparseInt8Bound(native, quick ? 3 : 7, log);
  if (ceiling) records.push(ceiling);
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
