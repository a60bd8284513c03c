// int8 GEMM driver: packs weights once for a dispatched microkernel, then runs tiles over a thread pool with the
// fused epilogue. Y[M x N] = epilogue(bias + (A - a_zero_point) x W), A u8 M x K, W s8 K x N (per-column scales).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "runtime/dispatch-qs8.h"
#include "runtime/thread-pool.h"

namespace sparq {

class Qs8PackedGemm {
 public:
  // W(k, n) = w[k * w_k_stride + n * w_n_stride]; bias (int32, N values) may be null. The activation zero point
  // is folded into the packed bias through the weight column sums. Throws PlanError when K or N is 0, K exceeds
  // 65536 (where s32 accumulation of full-range data could wrap) or the zero point is outside 0..255.
  Qs8PackedGemm(const Qs8GemmKernel& kernel, size_t k, size_t n, const int8_t* w, size_t w_k_stride,
                size_t w_n_stride, const int32_t* bias, int32_t a_zero_point);

  const Qs8GemmKernel& kernel() const { return *kernel_; }
  size_t k() const { return k_; }
  size_t n() const { return n_; }
  const uint8_t* panel(size_t index) const { return data_.get() + index * panel_bytes_; }
  size_t packed_bytes() const { return panel_bytes_ * qs8_panel_count(kernel_->pack, n_); }

  // Computes rows [0, m) into `out` (u8, f32 or s32 as p.output says; row stride out_stride elements).
  // `residual` (u8, row stride residual_stride) is read when p.residual. Never throws; m == 0 does nothing.
  // `pool` may be null (runs on the calling thread).
  void compute(size_t m, const uint8_t* a, size_t a_stride, const Qs8EpilogueParams& p, const uint8_t* residual,
               size_t residual_stride, void* out, size_t out_stride, ThreadPool* pool) const;

  // Rows [0, m) x column panels [panel_begin, panel_end) on the calling thread (the caller threads over blocks,
  // e.g. a convolution that unfolds one block of rows per task). Same arguments and results as compute().
  void compute_panels(size_t m, const uint8_t* a, size_t a_stride, size_t panel_begin, size_t panel_end,
                      const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                      size_t out_stride) const;
  size_t panels() const { return qs8_panel_count(kernel_->pack, n_); }

  // The same from segmented rows (an implicit im2col, see Qs8GemmSegUkernelFn): row r of A is segs runs of seg_len
  // bytes starting at rows[r] + s * seg_stride, with segs * seg_len == k() and seg_len % 4 == 0. Only for kernels
  // with a segmented variant (kernel().ukernel_seg); the caller checks both.
  void compute_segmented(size_t m, const uint8_t* const* rows, size_t segs, size_t seg_len, size_t seg_stride,
                         size_t panel_begin, size_t panel_end, const Qs8EpilogueParams& p, const uint8_t* residual,
                         size_t residual_stride, void* out, size_t out_stride) const;

 private:
  // The rows the kernel reads: `a` itself, or a per-thread copy widened to u16 (*stride updated to its row bytes).
  const uint8_t* kernel_rows(size_t m, const uint8_t* a, size_t* stride, ThreadPool* pool) const;
  // Tiles [begin, end) of the column-panel-major order over m rows of kernel-ready activations.
  void run_tiles(size_t m, const uint8_t* a_rows, size_t a_rows_stride, size_t panel_begin, size_t begin, size_t end,
                 const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                 size_t out_stride) const;
  // The fused epilogue of one tile: `rows` rows from m0 of column panel `panel_index`, accumulators `acc` (row
  // stride nr) to `out`.
  void finish_tile(size_t rows, size_t m0, size_t panel_index, const int32_t* acc, const Qs8EpilogueParams& p,
                   const uint8_t* residual, size_t residual_stride, void* out, size_t out_stride) const;
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  const Qs8GemmKernel* kernel_;
  size_t k_, n_, panel_bytes_;
  std::unique_ptr<uint8_t, FreeDeleter> data_;
};

}  // namespace sparq
