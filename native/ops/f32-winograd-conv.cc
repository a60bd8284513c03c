// The Winograd paths of the fp32 Conv op: build picks F(2,3) or its stride-2 form and the GEMM tile; run spreads
// whole tile blocks over the threads, each with its own workspace.
#include "ops/f32-winograd-conv.h"

#include <algorithm>

#include "ops/aligned-buffer.h"

namespace sparq {

namespace {

// The fields both problem structs share, from the conv's geometry.
template <typename Problem>
Problem winograd_problem(const ConvGeometry& g) {
  Problem p;
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
    : stride2_(g.stride_h == 2) {
  if (stride2_) {
    s2_ = winograd_s2_f32_kernel_for(features, g.out_c);
    s2_problem_ = winograd_problem<WinogradS2Problem>(g);
    s2_weights_ = winograd_s2_f32_pack(w, bias, g.in_c, g.out_c, s2_.nr);
  } else {
    f23_ = winograd_f32_kernel_for(features, g.out_c);
    f23_problem_ = winograd_problem<WinogradF23Problem>(g);
    f23_weights_ = winograd_f23_f32_pack(w, bias, g.in_c, g.out_c, f23_.nr);
  }
}

void F32WinogradConv::run(ThreadPool* pool, const float* x, const float* residual, float* y,
                          const ActivationParams& act) const {
  if (stride2_) {
    WinogradS2Problem p = s2_problem_;
    p.residual = residual;
    const size_t mp = s2_weights_.out_channels_padded;
    const WinogradF32Gemm gemm = s2_.gemm_tile();
    run_tiles(pool, p.tiles(), winograd_s2_tile_block(p.channels, mp, gemm.mr),
              winograd_s2_f32_workspace_floats(p.channels, mp, gemm.mr), [&](float* ws, size_t t0, size_t t1) {
                s2_.conv(p, gemm, x, s2_weights_, act, y, ws, t0, t1);
              });
  } else {
    WinogradF23Problem p = f23_problem_;
    p.residual = residual;
    const size_t mp = f23_weights_.out_channels_padded;
    const WinogradF32Gemm gemm = f23_.gemm_tile();
    run_tiles(pool, p.tiles(), winograd_f23_tile_block(p.channels, mp, gemm.mr),
              winograd_f23_f32_workspace_floats(p.channels, mp, gemm.mr), [&](float* ws, size_t t0, size_t t1) {
                f23_.conv(p, gemm, x, f23_weights_, act, y, ws, t0, t1);
              });
  }
}

std::string F32WinogradConv::name() const { return std::string(stride2_ ? s2_.name : f23_.name) + " winograd"; }

}  // namespace sparq
