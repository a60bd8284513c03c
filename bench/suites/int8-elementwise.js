// Suite `int8-elementwise`: QuantizeLinear, DequantizeLinear and QAdd vs our fp32 Add on one 1x56x56x64 tensor,
// per ISA level, 1 thread. All four ops sit in one plan (inputs are constants, so no input copy is timed) and each
// is timed by the executor's per-op clock in the same run; a ratio is the median of per-run ratios (> 1 = faster
// than the fp32 Add). Run alone: `node bench/suites/int8-elementwise.js`.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const SHAPE = [1, 56, 56, 64];
const CASE = SHAPE.join('x');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** One plan: Quantize, Dequantize, QAdd, fp32 Add, each reading constants and writing its own arena tensor. */
function planDesc(isa) {
  const n = SHAPE.reduce((a, b) => a * b, 1);
  const f32 = new Float32Array(n);
  const u8a = new Uint8Array(n);
  const u8b = new Uint8Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    f32[i] = ((s >>> 8) / 16777216 - 0.5) * 8;
    u8a[i] = s >>> 24;
    u8b[i] = (s >>> 16) & 255;
  }
  const tensors = [];
  let offset = 0;
  const constant = (dtype, data) => tensors.push({ dtype, shape: SHAPE, kind: 1, offset: 0, data: bytesOf(data) }) - 1;
  const output = (dtype, elementBytes) => {
    const id = tensors.push({ dtype, shape: SHAPE, kind: 3, offset }) - 1;
    offset += Math.ceil((n * elementBytes) / 64) * 64;
    return id;
  };
  const F32 = 1, U8 = 2;
  const xf = constant(F32, f32), xf2 = constant(F32, f32), xa = constant(U8, u8a), xb = constant(U8, u8b);
  const yq = output(U8, 1), yd = output(F32, 4), yqa = output(U8, 1), yfa = output(F32, 4);
  const ops = [
    { type: 'QuantizeLinear', name: 'quantize', inputs: [xf], outputs: [yq], attrs: { scale: 0.031, zero_point: 128 } },
    { type: 'DequantizeLinear', name: 'dequantize', inputs: [xa], outputs: [yd], attrs: { scale: 0.031, zero_point: 128 } },
    {
      type: 'QAdd', name: 'qadd', inputs: [xa, xb], outputs: [yqa],
      attrs: { a_scale: 0.02, a_zero_point: 120, b_scale: 0.03, b_zero_point: 130, y_scale: 0.04, y_zero_point: 125 },
    },
    { type: 'Add', name: 'add', inputs: [xf, xf2], outputs: [yfa], attrs: {} },
  ];
  return { threads: 1, isa, arenaBytes: offset, tensors, ops, inputs: [], outputs: [yq, yd, yqa, yfa] };
}

async function run({ quick = false, log = console.log } = {}) {
  const binding = require('bindings')({ bindings: 'sparq', module_root: root });
  const caps = binding.capabilities();
  const records = [];
  const rounds = quick ? 50 : 300;
  for (const isa of caps.levels.filter((l) => ['scalar', 'avx2', 'avx512', 'neon'].includes(l))) {
    const plan = new binding.Plan(planDesc(isa));
    const kernels = plan.kernels();
    const times = [[], [], [], []];
    for (let r = 0; r < rounds + 20; r++) {
      plan.runSync([]);
      if (r < 20) continue;  // warm-up
      plan.lastTimings().forEach((t, i) => times[i].push(t));
    }
    plan.dispose();
    const add = median(times[3]);
    ['quantize', 'dequantize', 'qadd'].forEach((name, i) => {
      const ratios = times[i].map((t, k) => times[3][k] / t);
      const us = median(times[i]) * 1000;
      log(`${isa} ${name} ${kernels[i]}: ${us.toFixed(1)} us, fp32 Add ${(add * 1000).toFixed(1)} us`);
      records.push({ suite: 'int8-elementwise', case: `${name} ${CASE} ${isa}`, metric: 'time', value: +us.toFixed(2),
        unit: 'us', vs: 'fp32-add', ratio: +median(ratios).toFixed(3) });
    });
  }
  return records;
}

module.exports = { name: 'int8-elementwise', description: 'Quantize/Dequantize/QAdd vs fp32 Add, 1x56x56x64, per ISA, 1 thread', run };

if (require.main === module) {
  run().then((records) => console.log(JSON.stringify(records, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
