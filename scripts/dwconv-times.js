#!/usr/bin/env node
// Time of each depthwise conv of a Fashion-MNIST fixture, int8 (QConv after engine.quantize) vs fp32 (Conv), alone:
// every depthwise op of the compiled plans, with its real weights and attrs, is run as a one-op-type plan of R copies
// (all reading one input, so it sits in L1 as in the model), 1 thread, batch 1. Per-op time = runSync time / R,
// median of many runs, int8 and fp32 plans interleaved run by run so load drifts hit both alike.
// Usage: node scripts/dwconv-times.js [mobilenet-fmnist] [runs] [--isa LEVEL]   (needs dist/ and the addon)
'use strict';
const path = require('path');
const os = require('os');

const root = path.resolve(__dirname, '..');
const { Engine, Tensor } = require(path.join(root, 'dist'));
const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
const binding = require('bindings')({ bindings: 'sparq', module_root: root });
const DIR = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const COPIES = 16;

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const align = (bytes) => Math.ceil(bytes / 64) * 64;
const ELEMENT_BYTES = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 };
const bytesOf = (t) => t.shape.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[t.dtype];

/** The depthwise convs (group == input channels > 1) of a compiled plan desc, in op order. */
function depthwiseOps(desc) {
  return desc.ops.filter((op) => {
    if (op.type !== 'Conv' && op.type !== 'QConv') return false;
    const x = desc.tensors[op.inputs[0]];
    return op.attrs.group > 1 && op.attrs.group === x.shape[3];
  });
}

/** A plan of COPIES copies of `op` (constants copied from `desc`), all reading one plan input X. */
function copiesPlanDesc(desc, op, isa) {
  const x = desc.tensors[op.inputs[0]];
  const y = desc.tensors[op.outputs[0]];
  const xBytes = align(bytesOf(x)), yBytes = align(bytesOf(y));
  const tensors = [{ dtype: x.dtype, shape: x.shape, kind: 2, offset: 0 }];
  const inputs = op.inputs.map((id, k) => {
    if (k === 0) return 0;
    if (id < 0) return -1;
    const t = desc.tensors[id];
    if (t.kind !== 1) throw new Error(`${op.name}: input ${k} is not a constant; this script times plain depthwise convs`);
    tensors.push({ ...t });
    return tensors.length - 1;
  });
  const ops = [];
  const first = tensors.length;
  for (let r = 0; r < COPIES; r++) {
    tensors.push({ dtype: y.dtype, shape: y.shape, kind: r === COPIES - 1 ? 3 : 0, offset: xBytes + r * yBytes });
    ops.push({ type: op.type, name: `${op.name}#${r}`, inputs, outputs: [first + r], attrs: op.attrs });
  }
  return { threads: 1, isa, arenaBytes: xBytes + COPIES * yBytes, tensors, ops, inputs: [0], outputs: [first + COPIES - 1] };
}

function timeRun(plan, inputs) {
  const t0 = process.hrtime.bigint();
  plan.runSync(inputs);
  return Number(process.hrtime.bigint() - t0) / 1e3 / COPIES;
}

async function main() {
  const args = process.argv.slice(2);
  const isaAt = args.indexOf('--isa');
  const isa = isaAt >= 0 ? args.splice(isaAt, 2)[1] : '';
  const name = args[0] || 'mobilenet-fmnist';
  const runs = Number(args[1] || 2000);
  const options = { threads: 1, ...(isa ? { isa } : {}) };
  const fp32 = await Engine.load(path.join(DIR, `${name}.onnx`), options);
  const images = loadNpy(path.join(DIR, 'calibration.npy')).data;
  const feed = (i) => ({ input: new Tensor('float32', images.slice(i * 784, (i + 1) * 784), [1, 1, 28, 28]) });
  const int8 = await fp32.quantize({ calibration: Array.from({ length: 100 }, (_, i) => feed(i)) });
  fp32.runSync(feed(0));
  int8.runSync(feed(0));
  const qDesc = int8.compiledPlans()[0].compiled.desc;
  const fDesc = fp32.compiledPlans()[0].compiled.desc;
  const qOps = depthwiseOps(qDesc), fOps = depthwiseOps(fDesc);
  if (qOps.length !== fOps.length) throw new Error(`int8 has ${qOps.length} depthwise convs, fp32 ${fOps.length}`);
  console.log(`${name} depthwise convs, ${os.cpus()[0].model}, ${isa || 'default ISA'}, 1 thread, ${runs} runs of ` +
    `${COPIES} copies, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let qSum = 0, fSum = 0;
  for (let i = 0; i < qOps.length; i++) {
    const q = new binding.Plan(copiesPlanDesc(qDesc, qOps[i], isa));
    const f = new binding.Plan(copiesPlanDesc(fDesc, fOps[i], isa));
    const x = qDesc.tensors[qOps[i].inputs[0]];
    const elements = x.shape.reduce((a, b) => a * b, 1);
    const xq = [Uint8Array.from({ length: elements }, (_, k) => (k * 37 + 11) & 255)];
    const xf = [Float32Array.from(xq[0], (v) => (v - 20) / 50)];
    for (let w = 0; w < 200; w++) timeRun(q, xq), timeRun(f, xf);
    const qt = [], ft = [];
    for (let r = 0; r < runs; r++) qt.push(timeRun(q, xq)), ft.push(timeRun(f, xf));
    const qUs = median(qt), fUs = median(ft);
    qSum += qUs;
    fSum += fUs;
    const y = qDesc.tensors[qOps[i].outputs[0]].shape;
    const shape = `${x.shape[3]} ch ${x.shape[1]}x${x.shape[2]} -> ${y[1]}x${y[2]} s${qOps[i].attrs.strides[0]}`;
    console.log(`${shape.padEnd(26)} int8 ${qUs.toFixed(3)} us (${q.kernels()[0]})  fp32 ${fUs.toFixed(3)} us  ` +
      `fp32/int8 ${(fUs / qUs).toFixed(2)}x`);
    q.dispose();
    f.dispose();
  }
  console.log(`total                      int8 ${qSum.toFixed(3)} us  fp32 ${fSum.toFixed(3)} us  fp32/int8 ${(fSum / qSum).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
