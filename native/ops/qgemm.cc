// int8 GEMM driver: weight packing, activation widening (AVX2), tile loop over the thread pool, fused epilogue.
#include "ops/qgemm.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/plan-desc.h"

namespace sparq {

void Qs8PackedGemm::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

Qs8PackedGemm::Qs8PackedGemm(const Qs8GemmKernel& kernel, size_t k, size_t n, const int8_t* w, size_t w_k_stride,
                             size_t w_n_stride, const int32_t* bias, int32_t a_zero_point)
    : kernel_(&kernel), k_(k), n_(n), panel_bytes_(qs8_panel_bytes(kernel.pack, k)) {
  if (k == 0 || n == 0)
    throw PlanError("int8 GEMM: Expected K and N of at least 1 but received K=" + std::to_string(k) +
                    " N=" + std::to_string(n));
  if (k > 65536) throw PlanError("int8 GEMM: Expected K of at most 65536 but received " + std::to_string(k));
  if (a_zero_point < 0 || a_zero_point > 255)
    throw PlanError("int8 GEMM: Expected an activation zero point in 0..255 but received " +
                    std::to_string(a_zero_point));
  const size_t bytes = (packed_bytes() + 63) / 64 * 64;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, bytes)));
  if (!data_) throw PlanError("int8 GEMM: out of memory packing weights");
  qs8_pack_gemm_weights(kernel.pack, k, n, w, w_k_stride, w_n_stride, bias, a_zero_point, data_.get());
}

// The AVX2 kernel reads activations widened to u16, once per call (reused by every column panel); the others read
// the u8 rows in place.
const uint8_t* Qs8PackedGemm::kernel_rows(size_t m, const uint8_t* a, size_t* stride, ThreadPool* pool) const {
  if (!kernel_->widen_a) return a;
  static thread_local std::vector<uint16_t> widened;
  const size_t a_stride = *stride, row = (k_ + 1) & ~size_t(1);
  if (widened.size() < m * row) widened.resize(m * row);
  uint16_t* dst = widened.data();
  auto widen = [&](size_t begin, size_t end) {
    qs8_pack_a_u16(end - begin, k_, a + begin * a_stride, a_stride, dst + begin * row, row);
  };
  if (pool) pool->parallel_for(m, 64, widen);
  else widen(0, m);
  *stride = row * sizeof(uint16_t);
  return reinterpret_cast<const uint8_t*>(dst);
}

void Qs8PackedGemm::compute(size_t m, const uint8_t* a, size_t a_stride, const Qs8EpilogueParams& p,
                            const uint8_t* residual, size_t residual_stride, void* out, size_t out_stride,
                            ThreadPool* pool) const {
  if (m == 0) return;
  const Qs8GemmKernel& kn = *kernel_;
  const size_t mr = kn.mr;

  size_t a_rows_stride = a_stride;
  const uint8_t* a_bytes = kernel_rows(m, a, &a_rows_stride, pool);

  // Tiles in column-panel-major order: consecutive tiles share a weight panel (kept in L1/L2), and a contiguous
  // range of tiles per thread gives each thread its own panels.
  const size_t tiles = (m + mr - 1) / mr * qs8_panel_count(kn.pack, n_);
  auto tiles_fn = [&](size_t begin, size_t end) {
    run_tiles(m, a_bytes, a_rows_stride, 0, begin, end, p, residual, residual_stride, out, out_stride);
  };
  if (pool && pool->threads() > 1) pool->parallel_for(tiles, 1, tiles_fn);
  else tiles_fn(0, tiles);
}

void Qs8PackedGemm::compute_panels(size_t m, const uint8_t* a, size_t a_stride, size_t panel_begin, size_t panel_end,
                                   const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride,
                                   void* out, size_t out_stride) const {
  if (m == 0 || panel_end <= panel_begin) return;
  const Qs8GemmKernel& kn = *kernel_;
  size_t a_rows_stride = a_stride;
  const uint8_t* a_rows = kernel_rows(m, a, &a_rows_stride, nullptr);
  const size_t m_tiles = (m + kn.mr - 1) / kn.mr;
  run_tiles(m, a_rows, a_rows_stride, panel_begin, 0, m_tiles * (panel_end - panel_begin), p, residual,
            residual_stride, out, out_stride);
}

void Qs8PackedGemm::run_tiles(size_t m, const uint8_t* a_rows, size_t a_rows_stride, size_t panel_begin,
                              size_t begin, size_t end, const Qs8EpilogueParams& p, const uint8_t* residual,
                              size_t residual_stride, void* out, size_t out_stride) const {
  const Qs8GemmKernel& kn = *kernel_;
  const size_t mr = kn.mr, nr = kn.pack.nr;
  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  const size_t m_tiles = (m + mr - 1) / mr;
  alignas(64) int32_t acc[32 * 64];
  if (kn.begin) kn.begin();
  for (size_t t = begin; t < end; ++t) {
    const size_t panel_index = panel_begin + t / m_tiles, m_tile = t % m_tiles;
    const size_t m0 = m_tile * mr, n0 = panel_index * nr;
    const size_t rows = std::min(mr, m - m0), cols = std::min(nr, n_ - n0);
    const uint8_t* a_tile = a_rows + m0 * a_rows_stride;
    if (rows == 1 && kn.ukernel_1) kn.ukernel_1(1, k_, a_tile, a_rows_stride, panel(panel_index), acc);
    else kn.ukernel(rows, k_, a_tile, a_rows_stride, panel(panel_index), acc);
    kn.epilogue(rows, cols, n0, acc, nr, p, p.residual ? residual + m0 * residual_stride + n0 : nullptr,
                residual_stride, static_cast<uint8_t*>(out) + (m0 * out_stride + n0) * out_bytes, out_stride);
  }
  if (kn.end) kn.end();
}

}  // namespace sparq
