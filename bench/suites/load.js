// Suite `load`: Engine.load of a model's .sparq file vs Engine.load of its ONNX file (decode + optimize), same process, interleaved.
// The .sparq is saved after one run on the fixture input, so it stores that shape's compiled plan (format version 2).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { summarize } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const MODELS = ['models/resnet-style', 'models/mobilenet-style', 'models/unet-style', 'models/tiny-transformer', 'fashion-mnist/resnet-fmnist', 'fashion-mnist/resnet-fmnist-qdq'];

const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * A fresh node process loads the file once, as a CLI or a serverless function does; the addon is loaded first so
 * only the model load is timed. Prints wall ms and process CPU ms (CPU time is what a loaded machine cannot inflate).
 */
const COLD_SCRIPT = `
const { Engine } = require(process.argv[1]);
Engine.capabilities();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const c0 = cpu(), t0 = Number(process.hrtime.bigint()) / 1e6;
Engine.loadSync(process.argv[2], { threads: 1 });
console.log(JSON.stringify({ wall: Number(process.hrtime.bigint()) / 1e6 - t0, cpu: cpu() - c0 }));
`;

function coldLoad(file) {
  return JSON.parse(execFileSync(process.execPath, ['-e', COLD_SCRIPT, path.join(root, 'dist'), file], { encoding: 'utf8' }));
}

async function run({ quick, log }) {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { readNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-load-'));
  const rounds = quick ? 8 : 40;
  const records = [];
  try {
    for (const name of MODELS) {
      const onnx = path.join(root, 'test', 'fixtures', `${name}.onnx`);
      const sparqFile = path.join(dir, `${path.basename(name)}.sparq`);
      const ref = readNpy(new Uint8Array(fs.readFileSync(path.join(root, 'test', 'fixtures', `${name}.input.npy`))));
      const input = new Tensor('float32', ref.data, ref.dims);
      let engine;
      try {
        engine = await Engine.load(onnx, { threads: 1 });
        engine.runSync({ [engine.inputs[0].name]: input });
        await engine.save(sparqFile);
      } catch (err) {
        log(`${name}: not measured, sparq cannot load or save it: ${err.message}`);
        continue;
      } finally {
        if (engine) engine.dispose();
      }
      // Engine.load alone, and Engine.load plus the first run (which compiles the plan for models with a symbolic batch).
      // Wall ms, and process CPU ms (what machine load does not inflate) of the same calls.
      const times = { onnx: [], sparq: [], onnxFirst: [], sparqFirst: [], onnxCpu: [], sparqCpu: [], onnxFirstCpu: [], sparqFirstCpu: [] };
      for (let r = 0; r < rounds + 2; r++) {
        for (const [kind, file] of [['onnx', onnx], ['sparq', sparqFile]]) {
          const c0 = cpuMs();
          const t0 = now();
          const e = await Engine.load(file, { threads: 1 });
          const t1 = now();
          const c1 = cpuMs();
          e.runSync({ [e.inputs[0].name]: input });
          const t2 = now();
          const c2 = cpuMs();
          e.dispose();
          if (r < 2) continue; // warm-up: module loading and JIT
          times[kind].push(t1 - t0);
          times[`${kind}First`].push(t2 - t0);
          times[`${kind}Cpu`].push(c1 - c0);
          times[`${kind}FirstCpu`].push(c2 - c0);
        }
      }
      const cold = { onnx: [], sparq: [], onnxCpu: [], sparqCpu: [] };
      for (let r = 0; r < (quick ? 3 : 12); r++) {
        for (const [kind, file] of [['onnx', onnx], ['sparq', sparqFile]]) {
          const t = coldLoad(file);
          cold[kind].push(t.wall);
          cold[`${kind}Cpu`].push(t.cpu);
        }
      }
      const caseName = path.basename(name);
      for (const [metric, a, b] of [['load, fresh process, wall', 'sparq', 'onnx'], ['load, fresh process, CPU', 'sparqCpu', 'onnxCpu']]) {
        const ours = summarize(cold[a]).p50;
        const theirs = summarize(cold[b]).p50;
        records.push({ case: caseName, metric: `${metric} p50`, value: ours, unit: 'ms', vs: 'onnx load+optimize', ratio: theirs / ours });
      }
      const sizes = { onnx: fs.statSync(onnx).size, sparq: fs.statSync(sparqFile).size };
      for (const [metric, a, b] of [['load', 'sparq', 'onnx'], ['load + first run', 'sparqFirst', 'onnxFirst'], ['load, CPU', 'sparqCpu', 'onnxCpu'], ['load + first run, CPU', 'sparqFirstCpu', 'onnxFirstCpu']]) {
        const ours = summarize(times[a]).p50;
        const theirs = summarize(times[b]).p50;
        records.push({ case: caseName, metric: `${metric}, warm p50`, value: ours, unit: 'ms', vs: 'onnx load+optimize', ratio: theirs / ours });
      }
      records.push({ case: caseName, metric: 'file size', value: sizes.sparq / 1024, unit: 'KiB', vs: 'onnx file', ratio: sizes.onnx / sizes.sparq });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return records;
}

module.exports = { name: 'load', description: '.sparq load vs ONNX load + optimize (Engine.load, 1 thread)', run };
