#!/usr/bin/env node
// Builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer (gcc) into build-asan/ and runs jest suites
// against it: LD_PRELOAD puts the ASan runtime first (node itself is not instrumented), SPARQ_ADDON_PATH makes
// lib/native.ts load the instrumented build, and any sanitizer report fails the run.
// Usage: node scripts/asan-addon.js [jest args...]   (default: the suites in DEFAULT_SUITES)
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'build-asan');

// Suites that drive the native code hardest through the public API: hostile input, concurrency, disposal, fuzzed
// models, every op at every ISA level, the fixture models.
const DEFAULT_SUITES = [
  'test/hostile-inputs.test.ts',
  'test/concurrency.test.ts',
  'test/engine-api.test.ts',
  'test/native-binding.test.ts',
  'test/fuzz-onnx.test.ts',
  'test/ops-differential.test.ts',
  'test/models.test.ts',
  'test/qdq-ort.test.ts',
];

const SANITIZE = '-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer';

function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else if (!fs.existsSync(dst) || fs.statSync(dst).mtimeMs < fs.statSync(src).mtimeMs) fs.copyFileSync(src, dst);
  }
}

function build() {
  // A private copy of what binding.gyp reads, so node-gyp's build/ of the real addon is left alone.
  copyTree(path.join(root, 'native'), path.join(out, 'native'));
  fs.mkdirSync(path.join(out, 'scripts'), { recursive: true });
  for (const f of ['binding.gyp', 'package.json', 'scripts/list-sources.js']) fs.copyFileSync(path.join(root, f), path.join(out, f));
  const modules = path.join(out, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(root, 'node_modules'), modules);
  const env = { ...process.env, CFLAGS: `${SANITIZE} -O1`, CXXFLAGS: `${SANITIZE} -O1`, LDFLAGS: SANITIZE };
  const gyp = require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  // Node's own headers when it was installed with them (Debian: /usr/include/node), as npm tells node-gyp;
  // otherwise node-gyp's cache (it would download them).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : '');
  const configure = ['configure', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  if (!fs.existsSync(path.join(out, 'build', 'Makefile'))) execFileSync(process.execPath, [gyp, ...configure], { cwd: out, env, stdio: 'inherit' });
  execFileSync(process.execPath, [gyp, 'build', '-j', '2'], { cwd: out, env, stdio: 'inherit' });
  return path.join(out, 'build', 'Release', 'sparq.node');
}

function runtime(name) {
  return execFileSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
}

const addon = build();
if (!execFileSync('ldd', [addon], { encoding: 'utf8' }).includes('libasan')) {
  console.error(`asan-addon: ${addon} is not linked against the ASan runtime`);
  process.exit(1);
}
const args = process.argv.slice(2);
const env = {
  ...process.env,
  SPARQ_ADDON_PATH: addon,
  LD_PRELOAD: [runtime('libasan.so'), runtime('libubsan.so')].join(' '),
  // Leaks are node's and V8's business at exit; the soak script measures ours. Abort on the first report.
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
};
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, '--runInBand', ...(args.length ? args : DEFAULT_SUITES)], { cwd: root, env, stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`asan-addon: jest under ASan/UBSan failed (status ${result.status}, signal ${result.signal})`);
  process.exit(1);
}
console.log('asan-addon: no sanitizer reports');
