#!/usr/bin/env node
// Produces the README table "Quantizing a model": top-1 of both Fashion-MNIST models for the four calibrators x per-tensor / per-channel / auto weights, plus cross-layer equalization with the default calibrator (500 calibration samples, 2000 test images), parameter bytes (lib/quant/parameter-bytes.ts) and top-1 agreement with onnxruntime-node running the same exported QDQ model. Needs dist/ (npx tsc -p tsconfig.build.json) and the addon.
'use strict';
const path = require('path');
const ort = require('onnxruntime-node');

const root = path.resolve(__dirname, '..');
const DIR = path.join(root, 'test', 'fixtures', 'fashion-mnist');
const { Engine, Tensor } = require(path.join(root, 'dist'));
const { loadNpy } = require(path.join(root, 'dist', 'format', 'npy'));
const { encodeModel } = require(path.join(root, 'dist', 'onnx', 'encode'));
const { calibrateModel, buildQdqGraph } = require(path.join(root, 'dist', 'quant', 'quantize-model'));
const { parameterBytes } = require(path.join(root, 'dist', 'quant', 'parameter-bytes'));
const { prepareGraph } = require(path.join(root, 'dist', 'quant', 'prepare-graph'));

const SIZE = 28 * 28;
const BATCH = 100;
const METHODS = (process.argv.find((a) => a.startsWith('--methods='))?.slice(10).split(',')) ?? ['minmax', 'percentile', 'entropy', 'mse'];
const MODELS = (process.argv.find((a) => a.startsWith('--models='))?.slice(9).split(',')) ?? ['resnet-fmnist', 'mobilenet-fmnist'];
const samples = Number(process.argv.find((a) => a.startsWith('--samples='))?.slice(10) ?? 500);
const calibrationImages = loadNpy(path.join(DIR, 'calibration.npy')).data;
const testImages = loadNpy(path.join(DIR, 'test-images.npy')).data;
const labels = loadNpy(path.join(DIR, 'test-labels.npy')).data;
const count = labels.length;

function argmax(logits, row) {
  let best = 0;
  for (let k = 1; k < 10; k++) if (logits[row * 10 + k] > logits[row * 10 + best]) best = k;
  return best;
}

/** Predicted classes of an engine over the test subset, in batches. */
async function predict(engine) {
  const out = new Int32Array(count);
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const { logits } = await engine.run({ input: new Tensor('float32', testImages.slice(start * SIZE, (start + n) * SIZE), [n, 1, 28, 28]) });
    for (let r = 0; r < n; r++) out[start + r] = argmax(logits.data, r);
  }
  return out;
}

async function ortPredict(bytes) {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const { logits } = await session.run({ input: new ort.Tensor('float32', testImages, [count, 1, 28, 28]) });
  await session.release();
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) out[r] = argmax(logits.data, r);
  return out;
}

const top1 = (p) => (100 * p.reduce((a, c, i) => a + (c === Number(labels[i]) ? 1 : 0), 0)) / count;
const agreement = (a, b) => (100 * a.reduce((s, c, i) => s + (c === b[i] ? 1 : 0), 0)) / count;
const GRANULARITIES = [false, true, 'auto'];
const granularityName = (g) => (g === 'auto' ? 'auto (default)' : g ? 'per-channel' : 'per-tensor');

async function main() {
  const calibration = [];
  for (let i = 0; i < samples; i++) calibration.push({ input: new Tensor('float32', calibrationImages.slice(i * SIZE, (i + 1) * SIZE), [1, 1, 28, 28]) });
  const rows = [];
  for (const name of MODELS) {
    const engine = await Engine.load(path.join(DIR, `${name}.onnx`), { threads: 1 });
    const fp32 = top1(await predict(engine));
    const fp32Bytes = parameterBytes(engine.sourceGraph());
    const foldedBytes = parameterBytes(prepareGraph(engine.sourceGraph()));
    const runs = [...METHODS.map((method) => ({ method, equalize: false })), { method: 'percentile', equalize: true }];
    for (const { method, equalize } of runs) {
      const t0 = Date.now();
      const model = await calibrateModel(engine.sourceGraph(), engine.inputs, engine.engineOptions(), calibration, { method, exclude: [], biasCorrection: true, equalize });
      const seconds = (Date.now() - t0) / 1000;
      for (const perChannel of GRANULARITIES) {
        const graph = buildQdqGraph(model, { perChannel, biasCorrection: true });
        const int8Engine = Engine.fromGraph(graph, engine.engineOptions());
        let ours;
        try {
          ours = await predict(int8Engine);
        } catch (err) {
          // Until every native int8 op of the graph is built in, only onnxruntime can run the model.
          process.stderr.write(`${name} ${method}: sparq cannot run the int8 model: ${err.message}\n`);
        }
        int8Engine.dispose();
        const theirs = await ortPredict(encodeModel(graph));
        const int8 = ours ? top1(ours) : undefined;
        const row = { model: name, method: equalize ? `${method} + equalize` : method, weights: granularityName(perChannel), fp32, int8, ortInt8: top1(theirs), ortAgreement: ours ? agreement(ours, theirs) : undefined, fp32Bytes, foldedBytes, int8Bytes: parameterBytes(graph), calibrateSeconds: seconds };
        rows.push(row);
        process.stderr.write(`${JSON.stringify(row)}\n`);
      }
    }
    engine.dispose();
  }
  const cpu = Engine.capabilities().cpu;
  console.log(`Top-1 on the 2000-image Fashion-MNIST test subset, ${samples} calibration samples, bias correction on; sparq int8 = sparq's int8 engine, onnxruntime int8 = onnxruntime-node ${require('onnxruntime-node/package.json').version} running the exported QDQ model; agreement = same top-1 from both; size = parameter bytes of the fp32 ONNX model as given (BatchNorm unfolded) → the int8 QDQ model as exportOnnx writes it, and in brackets the ratio to the fp32 model with BatchNorm folded. CPU: ${cpu}. Produced by \`node scripts/quant-table.js\` (needs dist/ and the addon).\n`);
  const pct = (v) => (v === undefined ? 'n/a' : `${v.toFixed(2)}%`);
  const drop = (fp32, v) => (v === undefined ? 'n/a' : (fp32 - v).toFixed(2));
  console.log('| model | calibrator | weights | fp32 top-1 | sparq int8 top-1 (drop) | onnxruntime int8 top-1 (drop) | sparq/ORT agreement | parameter bytes fp32 → int8 (vs BN folded) | calibration |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.model} | ${r.method} | ${r.weights} | ${pct(r.fp32)} | ${pct(r.int8)} (${drop(r.fp32, r.int8)}) | ${pct(r.ortInt8)} (${drop(r.fp32, r.ortInt8)}) | ${pct(r.ortAgreement)} | ` +
        `${(r.fp32Bytes / 1024).toFixed(1)} KB → ${(r.int8Bytes / 1024).toFixed(1)} KB: ${(r.fp32Bytes / r.int8Bytes).toFixed(2)}x (${(r.foldedBytes / r.int8Bytes).toFixed(2)}x) | ${r.calibrateSeconds.toFixed(1)} s |`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
