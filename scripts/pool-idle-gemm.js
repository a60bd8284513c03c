#!/usr/bin/env node
// 2-thread int8 GEMM (3136x64x576, the best kernel) timed back to back and after idle gaps, where the pool's
// workers have gone to sleep: shows what waking them costs on this machine. Per case the median ms per GEMM over
// 15 samples; "after idle" sleeps 20 ms before each sample of `passes` x 4 GEMMs.
// Usage: node scripts/pool-idle-gemm.js   (needs the addon)
'use strict';
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const binding = require('bindings')({ bindings: 'sparq', module_root: root });
const [m, n, k] = [3136, 64, 576];
const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const kernel = binding.qs8GemmKernels().find((x) => x.usable).name;
  console.log(`${m}x${n}x${k} ${kernel}, ${os.cpus()[0].model}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const threads of [1, 2]) {
    const gemm = binding.qs8GemmBenchmark({ kernel, m, n, k, sets: 4, threads });
    gemm.run(5);
    const backToBack = [];
    for (let s = 0; s < 15; s++) backToBack.push(gemm.run(10).wallSeconds / 40);
    console.log(`t${threads} back to back: ${(1e3 * median(backToBack)).toFixed(3)} ms per GEMM`);
    for (const passes of [1, 3, 10]) {
      const idle = [];
      for (let s = 0; s < 15; s++) {
        await sleep(20);
        idle.push(gemm.run(passes).wallSeconds / (4 * passes));
      }
      console.log(`t${threads} after 20 ms idle, ${4 * passes} GEMMs: ${(1e3 * median(idle)).toFixed(3)} ms per GEMM`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
