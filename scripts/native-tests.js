#!/usr/bin/env node
// Builds and runs the native tests with cmake + ctest: host build (every ISA level), then aarch64 under qemu when the cross tools exist.
// SPARQ_SANITIZE=1 builds the host tests with ASan + UBSan into their own directory instead (no aarch64 part).
// SPARQ_SKIP_AARCH64=1 skips the qemu part.
'use strict';
const { execFileSync } = require('child_process');
const path = require('path');

const root = path.resolve(__dirname, '..');
// The machines this runs on are small and shared: never more than two compile jobs.
const jobs = String(Math.min(2, Math.max(1, require('os').cpus().length)));

function run(cmd, args, env) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
}
function has(tool) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
function buildAndTest(dir, extra, env) {
  run('cmake', ['-S', '.', '-B', dir, ...extra], env);
  run('cmake', ['--build', dir, '-j', jobs], env);
  run('ctest', ['--test-dir', dir, '--output-on-failure', '-j', jobs], env);
}

// The binary must run on any x86-64: run the host tests on an emulated CPU without AVX (qemu traps AVX
// instructions there), so a kernel or an inline function compiled with ISA flags that leaks into the
// portable path shows up as an illegal instruction instead of a crash on a user's older machine.
function runOnCpuWithoutAvx(binary) {
  if (process.arch !== 'x64' || process.platform !== 'linux') return;
  if (!has('qemu-x86_64')) {
    if (process.env.CI) {
      console.error('qemu-x86_64 missing (qemu-user): .ci/run must install it');
      process.exit(1);
    }
    console.log('qemu-x86_64 not installed: skipping the no-AVX run of the native tests');
    return;
  }
  const env = { ...process.env };
  delete env.SPARQ_ISA;
  console.log(`$ qemu-x86_64 -cpu Westmere ${binary}`);
  execFileSync('qemu-x86_64', ['-cpu', 'Westmere', path.join(root, binary)], { cwd: root, stdio: 'inherit', env });
}

try {
  if (process.env.SPARQ_SANITIZE === '1') {
    buildAndTest('build/native-sanitize', ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DSPARQ_SANITIZE=ON'], {
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    });
  } else {
    buildAndTest('build/native-host', ['-DCMAKE_BUILD_TYPE=Release']);
    runOnCpuWithoutAvx('build/native-host/sparq_native_tests');
    if (process.env.SPARQ_SKIP_AARCH64 !== '1') {
      if (has('aarch64-linux-gnu-g++') && has('qemu-aarch64')) {
        buildAndTest('build/native-aarch64', [
          '-DCMAKE_BUILD_TYPE=Release',
          `-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake/aarch64-linux-gnu.cmake')}`,
        ]);
      } else if (process.env.CI) {
        console.error('aarch64 cross tools missing (g++-aarch64-linux-gnu, qemu-user): .ci/run must install them');
        process.exit(1);
      } else {
        console.log('aarch64 cross tools not installed: skipping the aarch64 native tests');
      }
    }
  }
} catch (e) {
  console.error(`native tests failed: ${e.message}`);
  process.exit(1);
}
