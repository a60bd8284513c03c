#!/usr/bin/env node
// Soak: many inferences of a small fixture and many load/dispose cycles, measuring RSS growth after warm-up.
// Uses the compiled facade in dist/ (built here with tsc when missing) and the addon in build/Release.
// Usage: node --expose-gc scripts/soak.js [--runs 100000] [--cycles 1000] [--model test/fixtures/models/mobilenet-style.onnx]
//        [--max-growth 5] (percent; exit 1 when either phase grows RSS by more)
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 || process.argv[i + 1] === undefined ? fallback : process.argv[i + 1];
}

const runs = Number(arg('runs', 100000));
const cycles = Number(arg('cycles', 1000));
const model = path.resolve(root, arg('model', 'test/fixtures/models/tiny-transformer.onnx'));
const maxGrowth = Number(arg('max-growth', 5));

if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) {
  console.log('soak: building dist/ with tsc');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
const { Engine, Tensor } = require(path.join(root, 'dist', 'index.js'));

const gc = typeof global.gc === 'function' ? global.gc : () => {};
const mb = (bytes) => (bytes / (1 << 20)).toFixed(1);

function rss() {
  gc();
  gc();
  return process.memoryUsage().rss;
}

/** Deterministic feeds for every input: symbolic dims become 1. */
function feedsFor(engine, seed) {
  const feeds = {};
  for (const input of engine.inputs) {
    const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    let data;
    if (input.type === 'float32') {
      data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = Math.sin(seed * 131 + i);
    } else if (input.type === 'int64') data = new BigInt64Array(n);
    else if (input.type === 'int32') data = new Int32Array(n);
    else if (input.type === 'int8') data = new Int8Array(n);
    else data = new Uint8Array(n);
    feeds[input.name] = new Tensor(input.type, data, dims);
  }
  return feeds;
}

async function inferencePhase(bytes) {
  const engine = Engine.loadSync(bytes, { threads: 1 });
  const feeds = [0, 1, 2, 3].map((s) => feedsFor(engine, s));
  // Warm-up until the allocator's high-water mark settles (plan cache, output buffers, glibc arenas).
  const warm = Math.max(5000, Math.floor(runs / 20));
  for (let i = 0; i < warm; i++) await engine.run(feeds[i % 4]);
  const before = rss();
  const start = Date.now();
  // Alternate async (batches of 8 overlapping) and sync runs, as a service would.
  for (let i = 0; i < runs; i += 8) {
    const batch = [];
    for (let k = 0; k < 8 && i + k < runs; k++) batch.push(k === 7 ? Promise.resolve(engine.runSync(feeds[k % 4])) : engine.run(feeds[k % 4]));
    await Promise.all(batch);
  }
  const seconds = (Date.now() - start) / 1000;
  const after = rss();
  engine.dispose();
  return { before, after, seconds };
}

function cyclePhase(bytes) {
  const feeds = feedsFor(Engine.loadSync(bytes, { threads: 1 }), 0);
  const once = () => {
    const engine = Engine.loadSync(bytes, { threads: 1 });
    engine.runSync(feeds);
    engine.dispose();
  };
  // RSS climbs for the first ~200 cycles (glibc arenas for each plan's pool threads) and is flat after; measured in
  // a tiny-transformer loop: 53 MB at 0, 99.1 MB at 200, 98.0 MB at 800 cycles with plansAlive back to 0 each time.
  const warm = 300;
  for (let i = 0; i < warm; i++) once();
  const before = rss();
  const start = Date.now();
  for (let i = 0; i < cycles; i++) once();
  const seconds = (Date.now() - start) / 1000;
  const after = rss();
  return { before, after, seconds };
}

async function main() {
  const bytes = fs.readFileSync(model);
  if (typeof global.gc !== 'function') console.log('soak: run with node --expose-gc for stable RSS numbers');
  console.log(`soak: ${path.relative(root, model)} on ${os.cpus()[0].model}, node ${process.version}`);
  const inf = await inferencePhase(bytes);
  const infGrowth = ((inf.after - inf.before) / inf.before) * 100;
  console.log(
    `soak: ${runs} inferences in ${inf.seconds.toFixed(1)} s: RSS ${mb(inf.before)} MB -> ${mb(inf.after)} MB (${infGrowth >= 0 ? '+' : ''}${infGrowth.toFixed(2)}%)`,
  );
  const cyc = cyclePhase(bytes);
  const cycGrowth = ((cyc.after - cyc.before) / cyc.before) * 100;
  console.log(
    `soak: ${cycles} load/run/dispose cycles in ${cyc.seconds.toFixed(1)} s: RSS ${mb(cyc.before)} MB -> ${mb(cyc.after)} MB (${cycGrowth >= 0 ? '+' : ''}${cycGrowth.toFixed(2)}%)`,
  );
  const result = { model: path.relative(root, model), cpu: os.cpus()[0].model, runs, cycles, inferenceGrowthPercent: +infGrowth.toFixed(2), cycleGrowthPercent: +cycGrowth.toFixed(2), rssMB: +mb(cyc.after) };
  console.log(JSON.stringify(result));
  if (infGrowth > maxGrowth || cycGrowth > maxGrowth) {
    console.error(`soak: RSS grew by more than ${maxGrowth}%`);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
