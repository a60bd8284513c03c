// Suite `int8-elementwise`: QuantizeLinear, DequantizeLinear and QAdd vs our fp32 Add on one 1x56x56x64 tensor, and
// QMul vs our fp32 Mul on the squeeze-excite broadcast 1x56x56x64 x 1x1x1x64, per ISA level, 1 thread. All six ops
// sit in one plan (inputs are constants, so no input copy is timed) and each is timed by the executor's per-op clock
// in the same run; a ratio is the median of per-run ratios (> 1 = faster than the fp32 op). Run alone:
// `node bench/suites/int8-elementwise.js`.
'use strict';
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const SHAPE = [1, 56, 56, 64];
const GATE = [1, 1, 1, 64];
const CASE = SHAPE.join('x');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** One plan: Quantize, Dequantize, QAdd, fp32 Add, QMul, fp32 Mul, each reading constants, writing its own tensor. */
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
  const constant = (dtype, data, shape = SHAPE) => tensors.push({ dtype, shape, kind: 1, offset: 0, data: bytesOf(data) }) - 1;
  const output = (dtype, elementBytes) => {
    const id = tensors.push({ dtype, shape: SHAPE, kind: 3, offset }) - 1;
    offset += Math.ceil((n * elementBytes) / 64) * 64;
    return id;
  };
  const F32 = 1, U8 = 2;
  const xf = constant(F32, f32), xf2 = constant(F32, f32), xa = constant(U8, u8a), xb = constant(U8, u8b);
  const yq = output(U8, 1), yd = output(F32, 4), yqa = output(U8, 1), yfa = output(F32, 4);
  const gate = GATE[3];
  const xg = constant(U8, u8b.slice(0, gate), GATE), xfg = constant(F32, f32.slice(0, gate), GATE);
  const yqm = output(U8, 1), yfm = output(F32, 4);
  const ops = [
    { type: 'QuantizeLinear', name: 'quantize', inputs: [xf], outputs: [yq], attrs: { scale: 0.031, zero_point: 128 } },
    { type: 'DequantizeLinear', name: 'dequantize', inputs: [xa], outputs: [yd], attrs: { scale: 0.031, zero_point: 128 } },
    {
      type: 'QAdd', name: 'qadd', inputs: [xa, xb], outputs: [yqa],
      attrs: { a_scale: 0.02, a_zero_point: 120, b_scale: 0.03, b_zero_point: 130, y_scale: 0.04, y_zero_point: 125 },
    },
    { type: 'Add', name: 'add', inputs: [xf, xf2], outputs: [yfa], attrs: {} },
    {
      type: 'QMul', name: 'qmul', inputs: [xa, xg], outputs: [yqm],
      attrs: { a_scale: 0.027, a_zero_point: 14, b_scale: 0.0033, b_zero_point: 0, y_scale: 0.015, y_zero_point: 19 },
    },
    { type: 'Mul', name: 'mul', inputs: [xf, xfg], outputs: [yfm], attrs: {} },
  ];
  return { threads: 1, isa, arenaBytes: offset, tensors, ops, inputs: [], outputs: [yq, yd, yqa, yfa, yqm, yfm] };
}

async function run({ quick = false, log = console.log } = {}) {
  const binding = require('bindings')({ bindings: 'sparq', module_root: root });
  const caps = binding.capabilities();
  const records = [];
  const rounds = quick ? 50 : 300;
  for (const isa of caps.levels.filter((l) => ['scalar', 'avx2', 'avx512', 'neon'].includes(l))) {
    const plan = new binding.Plan(planDesc(isa));
    const kernels = plan.kernels();
    const times = [[], [], [], [], [], []];
    for (let r = 0; r < rounds + 20; r++) {
      plan.runSync([]);
      if (r < 20) continue;  // warm-up
      plan.lastTimings().forEach((t, i) => times[i].push(t));
    }
    plan.dispose();
    // [name, op index, index of the fp32 op it is compared with, vs label, case shape]
    const cases = [['quantize', 0, 3, 'fp32-add', CASE], ['dequantize', 1, 3, 'fp32-add', CASE],
      ['qadd', 2, 3, 'fp32-add', CASE], ['qmul', 4, 5, 'fp32-mul', `${CASE}x${GATE.join('x')}`]];
    for (const [name, i, ref, vs, shape] of cases) {
      const ratios = times[i].map((t, k) => times[ref][k] / t);
      const us = median(times[i]) * 1000;
      log(`${isa} ${name} ${kernels[i]}: ${us.toFixed(1)} us, ${vs} ${kernels[ref]} ${(median(times[ref]) * 1000).toFixed(1)} us`);
      records.push({ suite: 'int8-elementwise', case: `${name} ${shape} ${isa}`, metric: 'time', value: +us.toFixed(2),
        unit: 'us', vs, ratio: +median(ratios).toFixed(3) });
    }
  }
  return records;
}

module.exports = {
  name: 'int8-elementwise',
  description: 'Quantize/Dequantize/QAdd vs fp32 Add, 1x56x56x64; QMul vs fp32 Mul per channel; per ISA, 1 thread',
  run,
};

if (require.main === module) {
  run().then((records) => console.log(JSON.stringify(records, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
