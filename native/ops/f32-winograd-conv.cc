// The Winograd paths of the fp32 Conv op: build picks F(2,3) or its stride-2 form and the GEMM tile; run spreads
// whole tile blocks over the threads, each with its own workspace.
#include "ops/f32-winograd-conv.h"

#include <algorithm>

#include "ops/aligned-buffer.h"

namespace sparq {

namespace {

WinogradF23Problem winograd_problem(const ConvGeometry& g) {
  WinogradF23Problem p;
  p.batch = g.batch;
  p.in_h = g.in_h;
  p.in_w = g.in_w;
  p.channels = g.in_c;
  p.out_channels = g.out_c;
  p.pad_top = g.pad_top;
  p.pad_left = g.pad_left;
  p.out_h = g.out_h;
  p.out_w = g.out_w;
  return p;
}

// Calls conv(workspace, t0, t1) over [0, tiles): whole tile blocks per task, but never fewer tasks than threads.
template <typename Conv>
void run_tiles(ThreadPool* pool, size_t tiles, size_t block, size_t workspace_floats, Conv&& conv) {
  auto body = [&](size_t t0, size_t t1) {
    thread_local AlignedFloats workspace;
    workspace.resize(workspace_floats);
    conv(workspace.data(), t0, t1);
  };
  if (pool && pool->threads() > 1) {
    const size_t threads = static_cast<size_t>(pool->threads());
    const size_t grain = std::min(block, (tiles + threads - 1) / threads);
    pool->parallel_for(tiles, std::max<size_t>(1, grain), body);
  } else {
    body(0, tiles);
  }
}

}  // namespace

F32WinogradConv::F32WinogradConv(const CpuFeatures& features, const ConvGeometry& g, const float* w, const float* bias)
    : stride2_(g.stride_h == 2), problem_(winograd_problem(g)) {
  kernel_ = stride2_ ? winograd_s2_f32_kernel_for(features, g.out_c) : winograd_f32_kernel_for(features, g.out_c);
  weights_ = stride2_ ? winograd_s2_f32_pack(w, bias, g.in_c, g.out_c, kernel_.nr)
                      : winograd_f23_f32_pack(w, bias, g.in_c, g.out_c, kernel_.nr);
}

void F32WinogradConv::run(ThreadPool* pool, const float* x, const float* residual, float* y,
                          const ActivationParams& act) const {
  WinogradF23Problem p = problem_;
  p.residual = residual;
  const size_t c = p.channels, mp = weights_.out_channels_padded;
  const WinogradF32Gemm gemm = kernel_.gemm_tile();
  const size_t block = stride2_ ? winograd_s2_tile_block(c, mp, gemm.mr) : winograd_f23_tile_block(c, mp, gemm.mr);
  const size_t workspace = stride2_ ? winograd_s2_f32_workspace_floats(c, mp, gemm.mr)
                                    : winograd_f23_f32_workspace_floats(c, mp, gemm.mr);
  run_tiles(pool, p.tiles(), block, workspace, [&](float* ws, size_t t0, size_t t1) {
    kernel_.conv(p, gemm, x, weights_, act, y, ws, t0, t1);
  });
}

std::string F32WinogradConv::name() const { return std::string(kernel_.name) + " winograd"; }

}  // namespace sparq
