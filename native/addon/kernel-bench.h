// Exports for driving single int8 kernels from JavaScript (benchmarks and addon-level exactness tests).
#pragma once
#include <napi.h>

// Adds to `exports`:
//   qs8GemmKernels()             -> [{ name, isa, mr, nr, kr, usable, peakInstruction }] (best first)
//   qs8GemmKernel(level)         -> name of the int8 GEMM kernel chosen at that ISA level
//   qs8PeakProbe(kernel, iters)  -> { instruction, macs, wallSeconds, cpuSeconds }
//   qs8GemmRun(options)          -> Uint8Array | Float32Array | Int32Array (one GEMM with its epilogue)
//   qs8GemmBenchmark(options)    -> { kernel, run(passes) -> { wallSeconds, cpuSeconds } } (packed once)
void AddKernelBenchExports(Napi::Env env, Napi::Object exports);
