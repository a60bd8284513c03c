#!/usr/bin/env node
// Builds the libFuzzer harnesses in native/fuzz/ with clang (-fsanitize=fuzzer,address,undefined) from the library
// sources of scripts/list-sources.js, runs each for N seconds on its seed corpus, and exits non-zero on a crash.
// Usage: node scripts/fuzz.js [--seconds 30] [--runs N] [--seed S] [--jobs 2] [--only plan-fuzz] [--isa scalar]
//                             [--sanitize-isa] [--keep-corpus]
//   --seconds   time per harness (default 30); run long with e.g. --seconds 3600
//   --runs, --seed  a bounded, repeatable sweep (libFuzzer -runs/-seed): CI uses these so that the same commit always
//               fuzzes the same inputs; exploratory runs leave them out and get a fresh random seed each time.
//   --isa       SPARQ_ISA for the run (default scalar: only sanitized code runs). Pass --isa "" for the CPU's best.
//   --sanitize-isa  also build the ISA-specific kernel files with ASan/UBSan (slow: minutes per AVX-512 file);
//               without it they are built -O2 uninstrumented, which is enough as long as the run uses --isa scalar.
//   --keep-corpus  write new interesting inputs into test/fuzz/corpus/<harness>/ (default: a scratch copy)
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { list } = require('./list-sources');

const root = path.resolve(__dirname, '..');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

const seconds = Number(arg('seconds', 30));
const jobs = Math.max(1, Number(arg('jobs', 2)));
const only = arg('only', '');
const isaArg = arg('isa', 'scalar');
const isa = isaArg === true ? '' : isaArg;
const sanitizeIsa = arg('sanitize-isa', false) === true;
const keepCorpus = arg('keep-corpus', false) === true;
const runs = arg('runs', '');
const seed = arg('seed', '');

// Same per-file ISA flags as CMakeLists.txt.
const ISA_FLAGS =
  process.arch === 'x64'
    ? {
        avx2: ['-mavx2', '-mfma', '-mf16c'],
        avxvnni: ['-mavx2', '-mfma', '-mavxvnni'],
        avx512: ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mavx2'],
        avx512vnni: ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mavx2', '-mavx512vnni'],
        avx512vbmi: ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mavx2', '-mavx512vnni', '-mavx512vbmi'],
      }
    : { neon: [], neondot: ['-march=armv8.2-a+dotprod'], neoni8mm: ['-march=armv8.2-a+dotprod+i8mm'] };

const CXX = process.env.CXX_FUZZ || 'clang++';
const BASE = ['-std=c++17', '-g', '-fno-omit-frame-pointer', `-I${path.join(root, 'native')}`, '-pthread'];
const SANITIZE = ['-O1', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'];
const COMMON = [...BASE, ...SANITIZE];
const outDir = path.join(root, 'build', 'fuzz');

function check() {
  const which = spawnSync('which', [CXX]);
  if (which.status !== 0) {
    console.error(`fuzz: ${CXX} not found (apt-get install clang libclang-rt-14-dev)`);
    process.exit(2);
  }
}

/** Compiles one source to an object unless the object is newer than the source and every header it includes. */
function objectFor(src, flags, extra, sanitized = true) {
  const obj = path.join(outDir, 'obj', src.replace(/[\\/]/g, '_') + (sanitized ? '.o' : '.plain.o'));
  const dep = obj.replace(/\.o$/, '.d');
  if (fs.existsSync(obj) && fs.existsSync(dep)) {
    const objTime = fs.statSync(obj).mtimeMs;
    const deps = fs.readFileSync(dep, 'utf8').replace(/\\\n/g, ' ').split(':').slice(1).join(':').split(/\s+/).filter(Boolean);
    if (deps.every((d) => fs.existsSync(d) && fs.statSync(d).mtimeMs <= objTime)) return { obj, args: null };
  }
  const base = sanitized ? [...COMMON, ...extra] : [...BASE, '-O2'];
  return { obj, args: [...base, ...flags, '-MMD', '-MF', dep, '-c', path.join(root, src), '-o', obj] };
}

/** Runs compile commands `jobs` at a time. */
async function compileAll(commands) {
  const { spawn } = require('child_process');
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < commands.length && !failed) {
      const args = commands[next++];
      await new Promise((resolve) => {
        const p = spawn(CXX, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('exit', (code) => {
          if (code !== 0) {
            failed = true;
            console.error(`fuzz: compile failed: ${CXX} ${args.join(' ')}`);
          }
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  if (failed) process.exit(2);
}

async function build(harnesses) {
  fs.mkdirSync(path.join(outDir, 'obj'), { recursive: true });
  const objects = [];
  const commands = [];
  const add = (src, flags, sanitized = true) => {
    const { obj, args } = objectFor(src, flags, ['-fsanitize=fuzzer-no-link'], sanitized);
    objects.push(obj);
    if (args) commands.push(args);
  };
  for (const src of list('portable')) add(src, []);
  for (const [group, flags] of Object.entries(ISA_FLAGS)) for (const src of list(group)) add(src, flags, sanitizeIsa);
  const libObjects = objects.slice();
  const harnessObjects = {};
  for (const h of harnesses) {
    const { obj, args } = objectFor(`native/fuzz/${h}.cc`, [], ['-fsanitize=fuzzer-no-link']);
    harnessObjects[h] = obj;
    if (args) commands.push(args);
  }
  console.log(`fuzz: compiling ${commands.length} of ${libObjects.length + harnesses.length} sources with ${CXX}, ${jobs} at a time`);
  await compileAll(commands);
  const binaries = {};
  for (const h of harnesses) {
    const bin = path.join(outDir, h);
    execFileSync(CXX, [...COMMON, '-fsanitize=fuzzer', harnessObjects[h], ...libObjects, '-o', bin], { stdio: 'inherit' });
    binaries[h] = bin;
  }
  return binaries;
}

function run(harness, bin) {
  const seedDir = path.join(root, 'test', 'fuzz', 'corpus', harness);
  fs.mkdirSync(seedDir, { recursive: true });
  // libFuzzer adds new inputs to the first corpus directory: a scratch one unless --keep-corpus.
  const scratch = keepCorpus ? seedDir : fs.mkdtempSync(path.join(os.tmpdir(), `sparq-${harness}-`));
  const artifacts = path.join(outDir, 'artifacts') + path.sep;
  fs.mkdirSync(artifacts, { recursive: true });
  const args = [`-max_total_time=${seconds}`, '-rss_limit_mb=2048', '-timeout=20', '-max_len=4096', '-print_final_stats=1', `-artifact_prefix=${artifacts}`, scratch];
  if (runs !== '') args.unshift(`-runs=${Number(runs)}`);
  if (seed !== '') args.unshift(`-seed=${Number(seed)}`);
  if (!keepCorpus) args.push(seedDir);
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
  if (isa) env.SPARQ_ISA = isa;
  const bounds = `${seconds} s${runs !== '' ? ` or ${runs} runs` : ''}${seed !== '' ? `, seed ${seed}` : ''}`;
  console.log(`fuzz: ${harness} for ${bounds}${isa ? ` (SPARQ_ISA=${isa})` : ''}`);
  const r = spawnSync(bin, args, { stdio: 'inherit', env });
  if (!keepCorpus) fs.rmSync(scratch, { recursive: true, force: true });
  return r.status === 0;
}

async function main() {
  check();
  const harnesses = fs
    .readdirSync(path.join(root, 'native', 'fuzz'))
    .filter((f) => f.endsWith('.cc'))
    .map((f) => f.slice(0, -3))
    .filter((h) => !only || h === only);
  if (!harnesses.length) throw new Error(`Expected a harness in native/fuzz/ but found none${only ? ` named ${only}` : ''}`);
  const binaries = await build(harnesses);
  let ok = true;
  for (const h of harnesses) ok = run(h, binaries[h]) && ok;
  if (!ok) {
    console.error(`fuzz: a harness crashed; the reproducer is in ${path.join(outDir, 'artifacts')}`);
    process.exit(1);
  }
  console.log('fuzz: no crash');
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
