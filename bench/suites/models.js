// Suite `models`: per fixture model, sparq fp32 latency vs onnxruntime-node fp32 at 1 and 2 threads, same process.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { compareLatency } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(root, 'test', 'fixtures');

/** fp32 fixture models with their committed reference input (QDQ models belong to the int8 suite). */
function fixtureModels() {
  const out = [];
  for (const dir of ['models', 'fashion-mnist']) {
    const full = path.join(FIXTURES, dir);
    if (!fs.existsSync(full)) continue;
    for (const file of fs.readdirSync(full).sort()) {
      if (!file.endsWith('.onnx') || file.includes('-qdq')) continue;
      const name = file.slice(0, -5);
      out.push({ name, path: path.join(full, file), inputPath: path.join(full, `${name}.input.npy`) });
    }
  }
  return out;
}

/** Batch-1 inputs: the reference input's first item plus perturbed copies, rotated between runs. */
function makeInputs(readNpy, inputPath, count) {
  const ref = readNpy(new Uint8Array(fs.readFileSync(inputPath)), inputPath);
  const dims = [1, ...ref.dims.slice(1)];
  const per = dims.reduce((a, b) => a * b, 1);
  const inputs = [];
  for (let k = 0; k < count; k++) {
    const data = new Float32Array(per);
    for (let i = 0; i < per; i++) data[i] = ref.data[i] + 0.01 * Math.sin(i * 0.37 + k);
    inputs.push({ dims, data });
  }
  return inputs;
}

async function run({ quick, log }) {
  const sparq = require(path.join(root, 'dist'));
  const { readNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const { Engine, Tensor } = sparq;
  if (typeof Engine !== 'function') throw new Error('dist/ does not export Engine yet: nothing to compare');
  const records = [];
  const options = quick ? { warmup: 2, minRuns: 10, minTimeMs: 300, maxTimeMs: 5000 } : { warmup: 5, minRuns: 30, minTimeMs: 2000, maxTimeMs: 20000 };
  for (const model of fixtureModels()) {
    const inputs = makeInputs(readNpy, model.inputPath, 4);
    const caseName = `${model.name} ${inputs[0].dims.join('x')}`;
    for (const threads of [1, 2]) {
      let engine;
      try {
        engine = await Engine.load(model.path, { threads });
        await engine.run({ [engine.inputs[0].name]: new Tensor('float32', inputs[0].data, inputs[0].dims) });
      } catch (err) {
        if (engine) engine.dispose();
        log(`${caseName} ${threads}t: not measured, sparq cannot run it: ${err.message}`);
        continue;
      }
      const session = await ort.InferenceSession.create(model.path, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      const inputName = session.inputNames[0];
      const oursInputs = inputs.map((x) => new Tensor('float32', x.data, x.dims));
      const ortInputs = inputs.map((x) => new ort.Tensor('float32', x.data, x.dims));
      const oursName = engine.inputs[0].name;
      // runSync next to run: the difference is what the async hand-off to a worker thread costs.
      const [ours, oursSync, theirs] = await compareLatency(
        [
          (k) => engine.run({ [oursName]: oursInputs[k % 4] }),
          async (k) => engine.runSync({ [oursName]: oursInputs[k % 4] }),
          (k) => session.run({ [inputName]: ortInputs[k % 4] }),
        ],
        options,
      );
      engine.dispose();
      await session.release();
      const ratio = theirs.p50 / ours.p50;
      log(`${caseName} ${threads}t: sparq ${ours.p50.toFixed(3)} ms (runSync ${oursSync.p50.toFixed(3)} ms), onnxruntime ${theirs.p50.toFixed(3)} ms (${ours.runs}/${theirs.runs} runs)`);
      records.push({ case: `${caseName} t${threads}`, metric: 'p50 latency', value: ours.p50, unit: 'ms', vs: 'onnxruntime', ratio });
      records.push({ case: `${caseName} t${threads}`, metric: 'p50 latency onnxruntime', value: theirs.p50, unit: 'ms', vs: null, ratio: null });
      records.push({ case: `${caseName} t${threads}`, metric: 'p50 latency runSync', value: oursSync.p50, unit: 'ms', vs: 'onnxruntime', ratio: theirs.p50 / oursSync.p50 });
      // The fastest run is the least disturbed by other processes: a second view on a shared machine.
      records.push({ case: `${caseName} t${threads}`, metric: 'min latency', value: ours.min, unit: 'ms', vs: 'onnxruntime', ratio: theirs.min / ours.min });
    }
  }
  return records;
}

module.exports = {
  name: 'models',
  description: 'fixture models, batch 1, fp32: sparq vs onnxruntime-node (1 and 2 threads; p50 of run and runSync, min)',
  run,
};
