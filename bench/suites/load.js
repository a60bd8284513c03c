// Suite `load`: Engine.load of a model's .sparq file vs Engine.load of its ONNX file (decode + optimize), both measured
// the same way: fresh child processes alternating A/B, and one warm process alternating A/B, wall and CPU time.
// The .sparq is saved after one run on the fixture input, so it stores that shape's compiled plan (format version 2+).
// Issue 7's Done-when ("loading the .sparq of the ResNet-style fixture is >= 5x faster than loading and optimizing its
// ONNX") is measured as the fresh-process Engine.loadSync CPU ratio of resnet-style; the suite prints that verdict
// and, next to it, the warm-process ratios, which are lower and are not the Done-when measure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { summarize } = require('../measure');

const root = path.resolve(__dirname, '..', '..');
const MODELS = ['models/resnet-style', 'models/mobilenet-style', 'models/unet-style', 'models/tiny-transformer', 'fashion-mnist/resnet-fmnist', 'fashion-mnist/resnet-fmnist-qdq'];

/** The Done-when measure: this case and metric, against this ratio. */
const DONE_WHEN = { case: 'resnet-style', metric: 'Engine.loadSync, CPU, fresh process p50', goal: 5 };

const now = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * A fresh node process loads the file once, as a CLI or a serverless function does. The package is required and the
 * addon loaded first (the same for both formats), so only Engine.loadSync is timed: wall ms and process CPU ms (what
 * other jobs on the machine cannot inflate). `total` is the process's CPU from its start to the loaded engine.
 */
const FRESH_SCRIPT = `
const { Engine } = require(process.argv[1]);
Engine.capabilities();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const c0 = cpu(), t0 = Number(process.hrtime.bigint()) / 1e6;
Engine.loadSync(process.argv[2], { threads: 1 });
const wall = Number(process.hrtime.bigint()) / 1e6 - t0, c1 = cpu();
console.log(JSON.stringify({ wall, cpu: c1 - c0, total: c1 }));
`;

function freshLoad(file) {
  return JSON.parse(execFileSync(process.execPath, ['-e', FRESH_SCRIPT, path.join(root, 'dist'), file], { encoding: 'utf8' }));
}

/** Runs `measure(kind)` for both kinds alternately, the order swapped every round; the first `warmup` rounds are dropped. */
async function alternate(rounds, warmup, measure) {
  const out = { onnx: {}, sparq: {} };
  for (let r = 0; r < rounds + warmup; r++) {
    const order = r % 2 ? ['sparq', 'onnx'] : ['onnx', 'sparq'];
    for (const kind of order) {
      const m = await measure(kind);
      if (r < warmup) continue;
      for (const [k, v] of Object.entries(m)) (out[kind][k] ??= []).push(v);
    }
  }
  return out;
}

/** One record per metric: the .sparq median, with the ONNX median divided by it as the ratio. */
function ratioRecords(caseName, label, times, metrics) {
  return metrics.map(([key, metric]) => {
    const ours = summarize(times.sparq[key]).p50;
    const theirs = summarize(times.onnx[key]).p50;
    return { case: caseName, metric: `${metric}, ${label} p50`, value: ours, unit: 'ms', vs: 'onnx load+optimize', ratio: theirs / ours };
  });
}

async function run({ quick, log }) {
  const { Engine, Tensor } = require(path.join(root, 'dist'));
  const { readNpy } = require(path.join(root, 'dist', 'format', 'npy'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sparq-load-'));
  const records = [];
  try {
    for (const name of MODELS) {
      const files = { onnx: path.join(root, 'test', 'fixtures', `${name}.onnx`), sparq: path.join(dir, `${path.basename(name)}.sparq`) };
      const ref = readNpy(new Uint8Array(fs.readFileSync(path.join(root, 'test', 'fixtures', `${name}.input.npy`))));
      const input = new Tensor('float32', ref.data, ref.dims);
      let engine;
      try {
        engine = await Engine.load(files.onnx, { threads: 1 });
        engine.runSync({ [engine.inputs[0].name]: input });
        await engine.save(files.sparq);
      } catch (err) {
        log(`${name}: not measured, sparq cannot load or save it: ${err.message}`);
        continue;
      } finally {
        if (engine) engine.dispose();
      }
      const caseName = path.basename(name);

      // Fresh processes, A/B alternating.
      const fresh = await alternate(quick ? 4 : 15, 0, (kind) => freshLoad(files[kind]));
      records.push(...ratioRecords(caseName, 'fresh process', fresh, [['cpu', 'Engine.loadSync, CPU'], ['wall', 'Engine.loadSync, wall'], ['total', 'process start to engine, CPU']]));

      // One warm process, A/B alternating: Engine.load (async, as served), Engine.loadSync, and load + first run
      // (which builds the native plan: from the stored one for .sparq, compiled for ONNX models with a symbolic batch).
      const feeds = (e) => ({ [e.inputs[0].name]: input });
      const warm = await alternate(quick ? 10 : 40, 3, async (kind) => {
        let c0 = cpuMs();
        let t0 = now();
        const a = await Engine.load(files[kind], { threads: 1 });
        const m = { asyncWall: now() - t0, asyncCpu: cpuMs() - c0 };
        a.dispose();
        c0 = cpuMs();
        t0 = now();
        const e = Engine.loadSync(files[kind], { threads: 1 });
        m.syncWall = now() - t0;
        m.syncCpu = cpuMs() - c0;
        e.runSync(feeds(e));
        m.firstCpu = cpuMs() - c0;
        e.dispose();
        return m;
      });
      records.push(
        ...ratioRecords(caseName, 'warm, alternating', warm, [
          ['asyncCpu', 'Engine.load, CPU'],
          ['asyncWall', 'Engine.load, wall'],
          ['syncCpu', 'Engine.loadSync, CPU'],
          ['syncWall', 'Engine.loadSync, wall'],
          ['firstCpu', 'loadSync + first run, CPU'],
        ]),
      );
      records.push({ case: caseName, metric: 'file size', value: fs.statSync(files.sparq).size / 1024, unit: 'KiB', vs: 'onnx file', ratio: fs.statSync(files.onnx).size / fs.statSync(files.sparq).size });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  logDoneWhen(records, log);
  return records;
}

/** States the Done-when verdict from this run's records, with the measures that are not it beside it. */
function logDoneWhen(records, log) {
  const ratio = (metric) => records.find((r) => r.case === DONE_WHEN.case && r.metric === metric)?.ratio;
  const measured = ratio(DONE_WHEN.metric);
  if (measured === undefined) {
    log(`Done-when (issue 7): ${DONE_WHEN.case} was not measured, no verdict`);
    return;
  }
  const x = (m) => (ratio(m) === undefined ? '-' : `${ratio(m).toFixed(2)}x`);
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  log(`Done-when (issue 7): .sparq load >= ${DONE_WHEN.goal}x faster than ONNX load + optimize, ${DONE_WHEN.case}, measured as ` +
    `"${DONE_WHEN.metric}" (one Engine.loadSync per fresh process, the way a CLI or a service start loads a model): ` +
    `${measured.toFixed(2)}x -> ${measured >= DONE_WHEN.goal ? 'MET' : 'NOT MET'}; load average ${load}`);
  log(`  not the Done-when measure: fresh process wall ${x('Engine.loadSync, wall, fresh process p50')}; warm process, alternating: ` +
    `Engine.loadSync CPU ${x('Engine.loadSync, CPU, warm, alternating p50')}, Engine.load CPU ${x('Engine.load, CPU, warm, alternating p50')}, ` +
    `loadSync + first run CPU ${x('loadSync + first run, CPU, warm, alternating p50')}`);
}

module.exports = {
  name: 'load',
  description: '.sparq load vs ONNX load + optimize (1 thread; fresh processes and one warm process, A/B alternating; the Done-when measure is the fresh-process CPU ratio)',
  run,
};
