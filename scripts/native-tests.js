#!/usr/bin/env node
// Builds and runs the native tests with cmake + ctest: host build (every ISA level), then aarch64 under qemu when the cross tools exist.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const jobs = String(Math.max(1, require('os').cpus().length));

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
}
function has(tool) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function buildAndTest(dir, extra) {
  run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', ...extra]);
  run('cmake', ['--build', dir, '-j', jobs]);
  run('ctest', ['--test-dir', dir, '--output-on-failure']);
}

buildAndTest('build/native-host', []);
if (process.env.SPARQ_SKIP_AARCH64 !== '1') {
  if (has('aarch64-linux-gnu-g++') && has('qemu-aarch64')) {
    buildAndTest('build/native-aarch64', [`-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake/aarch64-linux-gnu.cmake')}`]);
  } else if (process.env.CI) {
    console.error('aarch64 cross tools missing (g++-aarch64-linux-gnu, qemu-user): .ci/run must install them');
    process.exit(1);
  } else {
    console.log('aarch64 cross tools not installed: skipping the aarch64 native tests');
  }
}
if (!fs.existsSync(path.join(root, 'build/native-host'))) process.exit(1);
