#!/usr/bin/env node
// The one benchmark entry point: `npm run bench [-- <suite>...] [--quick] [--json FILE]` runs bench/suites/*.js.
// Suites measure against the compiled dist/ (run `npm run build` first); a stale dist/ is recompiled with tsc here.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { formatTable } = require('./table');
const baselines = require('./baselines');

const root = path.resolve(__dirname, '..');
const suitesDir = path.join(__dirname, 'suites');

function usage(message) {
  if (message) console.error(message);
  console.error('Usage: npm run bench [-- [suite ...] [--quick] [--json FILE] [--save-baseline] [--baselines DIR]]');
  console.error('Records are compared with bench/baselines/<cpu>.json (flagging cases > 10% slower) and stored there');
  console.error('when this CPU has no baseline yet or with --save-baseline. --baselines DIR keeps them in DIR instead.');
  console.error(`Suites: ${listSuites().join(', ')}`);
  process.exit(message ? 2 : 0);
}

function listSuites() {
  return fs
    .readdirSync(suitesDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function parseArgs(argv) {
  const args = { suites: [], quick: false, json: null, saveBaseline: false, baselines: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--save-baseline') args.saveBaseline = true;
    else if (a === '--json') {
      if (!argv[i + 1]) usage('Expected a file name after --json');
      args.json = argv[++i];
    } else if (a.startsWith('--json=')) args.json = a.slice(7);
    else if (a === '--baselines') {
      if (!argv[i + 1]) usage('Expected a directory after --baselines');
      args.baselines = argv[++i];
    }
    else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('-')) usage(`Expected a suite name or --quick/--json but received ${a}`);
    else args.suites.push(a);
  }
  return args;
}

function newestMtime(dir, ext) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Recompiles dist/ with tsc when a lib/ source is newer than it; the addon itself must be built already. */
function ensureBuilt() {
  const distIndex = path.join(root, 'dist', 'index.js');
  const distTime = fs.existsSync(distIndex) ? newestMtime(path.join(root, 'dist'), '.js') : 0;
  if (newestMtime(path.join(root, 'lib'), '.ts') > distTime) {
    console.log('dist/ is older than lib/: compiling with tsc -p tsconfig.build.json ...');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  const addon = ['build/Release/sparq.node', 'build/Debug/sparq.node'].some((p) => fs.existsSync(path.join(root, p)));
  if (!addon) {
    console.error('The native addon is not built: run `npm run build` (or `npm install`) first.');
    process.exit(1);
  }
}

function capabilities() {
  try {
    return require(path.join(root, 'dist')).Engine.capabilities();
  } catch {
    return { cpu: os.cpus()[0] ? os.cpus()[0].model : 'unknown CPU', detected: [], levels: [], selected: 'unknown' };
  }
}

function cpuName() {
  const caps = capabilities();
  return `${caps.cpu} (detected ${caps.detected}, levels ${caps.levels.join(' ')})`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const available = listSuites();
  const chosen = args.suites.length ? args.suites : available;
  for (const s of chosen) if (!available.includes(s)) usage(`Expected one of ${available.join(', ')} but received ${s}`);
  ensureBuilt();
  console.log(`CPU: ${cpuName()}; ${os.cpus().length} logical cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`node ${process.version}${args.quick ? ', quick mode' : ''}\n`);
  const records = [];
  let failed = false;
  for (const name of chosen) {
    const suite = require(path.join(suitesDir, `${name}.js`));
    console.log(`== ${suite.name || name}: ${suite.description || ''}`);
    const started = Date.now();
    try {
      const out = await suite.run({ quick: args.quick, log: (...m) => console.log('  ', ...m) });
      for (const r of out) records.push({ suite: suite.name || name, ...r });
      console.log(formatTable(out));
      console.log(`   (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    } catch (err) {
      failed = true;
      console.error(`   suite ${name} failed: ${err && err.stack ? err.stack : err}\n`);
    }
  }
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify(records, null, 2) + '\n');
    console.log(`wrote ${records.length} records to ${args.json}`);
  }
  if (records.length) {
    const caps = capabilities();
    baselines.checkAndStore(records, { cpu: caps.cpu, isa: caps.selected, save: args.saveBaseline && !failed, ...(args.baselines ? { dir: path.resolve(args.baselines) } : {}) });
  }
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
