// Benchmark exports for the Winograd, 2:4 sparse and few-channel conv kernels (timed in C++, one thread), used by bench/suites.
#pragma once
#include <napi.h>

// Adds benchWinogradF32, benchSparse24F32, benchConvFewChannelsF32 (and the int8 variants) to the module exports.
void AddSparseBenchExports(Napi::Env env, Napi::Object exports);
