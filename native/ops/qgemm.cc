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

// How one compute() call is cut into tasks: row blocks x groups of column panels, block-major.
//
// Memory traffic, not arithmetic, bounds these 0.1-1 ms problems (the AMX tiles eat a 32x32x64 block in ~64
// cycles), so the cut keeps the larger operand streamed once and the smaller one reused from L2:
// - activations larger than the weights (ResNet's early layers: 3136x576 rows against 64 columns): row blocks,
//   at least 4 per thread, each task runs every column panel over its rows; a thread streams its own rows
//   once and every thread re-reads the small weights from its L2;
// - weights larger (late layers, fully connected): one row block (while it fits kRowBlockBytes), column panels
//   split into 4 groups per thread; each thread streams its own weights once and reuses the shared rows.
// Within a task the order is panel-major, so a weight panel stays in L1 across the block's row tiles.
namespace {

struct Qs8GemmSplit {
  size_t block_tiles, blocks, group_panels, groups;
};

Qs8GemmSplit qs8_gemm_split(size_t m_tiles, size_t panels, size_t a_bytes, size_t w_bytes, size_t threads) {
  constexpr size_t kRowBlockBytes = 512 * 1024;  // a quarter of a 2 MB L2, the rest for streaming weights
  const size_t tasks_wanted = threads > 1 ? 4 * threads : 1;
  size_t blocks = std::max<size_t>(1, (a_bytes + kRowBlockBytes - 1) / kRowBlockBytes), groups = 1;
  if (a_bytes >= w_bytes) blocks = std::max(blocks, tasks_wanted);
  else if (blocks < tasks_wanted) groups = (tasks_wanted + blocks - 1) / blocks;
  Qs8GemmSplit s;
  s.block_tiles = (m_tiles + std::min(blocks, m_tiles) - 1) / std::min(blocks, m_tiles);
  s.blocks = (m_tiles + s.block_tiles - 1) / s.block_tiles;
  s.group_panels = (panels + std::min(groups, panels) - 1) / std::min(groups, panels);
  s.groups = (panels + s.group_panels - 1) / s.group_panels;
  return s;
}

// The residual bytes of the tile at row m0, column n0, or null when p has no residual.
const uint8_t* tile_residual(const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, size_t m0,
                             size_t n0) {
  return p.residual ? residual + m0 * residual_stride + n0 : nullptr;
}

}  // namespace

void Qs8PackedGemm::compute(size_t m, const uint8_t* a, size_t a_stride, const Qs8EpilogueParams& p,
                            const uint8_t* residual, size_t residual_stride, void* out, size_t out_stride,
                            ThreadPool* pool) const {
  if (m == 0) return;
  const Qs8GemmKernel& kn = *kernel_;
  const size_t mr = kn.mr, out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  const size_t threads = pool ? static_cast<size_t>(pool->threads()) : 1;

  size_t a_rows_stride = a_stride;
  const uint8_t* a_rows = kernel_rows(m, a, &a_rows_stride, pool);

  const size_t m_tiles = (m + mr - 1) / mr, panel_count = panels();
  const Qs8GemmSplit s = qs8_gemm_split(m_tiles, panel_count, m * a_rows_stride, panel_count * panel_bytes_, threads);
  auto tasks_fn = [&](size_t begin, size_t end) {
    for (size_t t = begin; t < end; ++t) {
      const size_t block = t / s.groups, group = t % s.groups;
      const size_t m0 = block * s.block_tiles * mr, rows = std::min(s.block_tiles * mr, m - m0);
      const size_t panel0 = group * s.group_panels, panel_n = std::min(s.group_panels, panel_count - panel0);
      run_tiles(rows, a_rows + m0 * a_rows_stride, a_rows_stride, panel0, 0, (rows + mr - 1) / mr * panel_n, p,
                p.residual ? residual + m0 * residual_stride : nullptr, residual_stride,
                static_cast<uint8_t*>(out) + m0 * out_stride * out_bytes, out_stride);
    }
  };
  const size_t tasks = s.blocks * s.groups;
  if (threads > 1) pool->parallel_for(tasks, 1, tasks_fn);
  else tasks_fn(0, tasks);
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

void Qs8PackedGemm::compute_segmented(size_t m, const uint8_t* const* rows, size_t segs, size_t seg_len,
                                      size_t seg_stride, size_t panel_begin, size_t panel_end,
                                      const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride,
                                      void* out, size_t out_stride) const {
  const Qs8GemmKernel& kn = *kernel_;
  alignas(64) int32_t acc[32 * 64];
  const bool fused = kn.ukernel_seg_u8 && qs8_fused_u8_form(p);
  const size_t nr = kn.pack.nr;
  for (size_t panel_index = panel_begin; panel_index < panel_end; ++panel_index) {
    const size_t n0 = panel_index * nr;
    for (size_t m0 = 0; m0 < m; m0 += kn.mr) {
      const size_t tile_rows = std::min<size_t>(kn.mr, m - m0);
      if (fused) {
        kn.ukernel_seg_u8(tile_rows, segs, seg_len, seg_stride, rows + m0, panel(panel_index), std::min(nr, n_ - n0),
                          p.scale + n0, p, tile_residual(p, residual, residual_stride, m0, n0), residual_stride,
                          static_cast<uint8_t*>(out) + m0 * out_stride + n0, out_stride);
        continue;
      }
      kn.ukernel_seg(tile_rows, segs, seg_len, seg_stride, rows + m0, panel(panel_index), acc);
      finish_tile(tile_rows, m0, panel_index, acc, p, residual, residual_stride, out, out_stride);
    }
  }
}

void Qs8PackedGemm::run_tiles(size_t m, const uint8_t* a_rows, size_t a_rows_stride, size_t panel_begin,
                              size_t begin, size_t end, const Qs8EpilogueParams& p, const uint8_t* residual,
                              size_t residual_stride, void* out, size_t out_stride) const {
  const Qs8GemmKernel& kn = *kernel_;
  const size_t mr = kn.mr;
  const size_t m_tiles = (m + mr - 1) / mr;
  alignas(64) int32_t acc[32 * 64];
  const bool fused = kn.ukernel_u8 && qs8_fused_u8_form(p);
  const size_t nr = kn.pack.nr;
  if (kn.begin) kn.begin();
  for (size_t t = begin; t < end; ++t) {
    const size_t panel_index = panel_begin + t / m_tiles, m_tile = t % m_tiles;
    const size_t m0 = m_tile * mr;
    const size_t rows = std::min(mr, m - m0);
    const uint8_t* a_tile = a_rows + m0 * a_rows_stride;
    if (fused && !(rows == 1 && kn.ukernel_1)) {
      const size_t n0 = panel_index * nr;
      kn.ukernel_u8(rows, k_, a_tile, a_rows_stride, panel(panel_index), std::min(nr, n_ - n0), p.scale + n0, p,
                    tile_residual(p, residual, residual_stride, m0, n0), residual_stride,
                    static_cast<uint8_t*>(out) + m0 * out_stride + n0, out_stride);
      continue;
    }
    if (rows == 1 && kn.ukernel_1) kn.ukernel_1(1, k_, a_tile, a_rows_stride, panel(panel_index), acc);
    else kn.ukernel(rows, k_, a_tile, a_rows_stride, panel(panel_index), acc);
    finish_tile(rows, m0, panel_index, acc, p, residual, residual_stride, out, out_stride);
  }
  if (kn.end) kn.end();
}

void Qs8PackedGemm::finish_tile(size_t rows, size_t m0, size_t panel_index, const int32_t* acc,
                                const Qs8EpilogueParams& p, const uint8_t* residual, size_t residual_stride, void* out,
                                size_t out_stride) const {
  const size_t nr = kernel_->pack.nr, n0 = panel_index * nr, cols = std::min(nr, n_ - n0);
  const size_t out_bytes = p.output == Qs8Output::kUint8 ? 1 : 4;
  kernel_->epilogue(rows, cols, n0, acc, nr, p, tile_residual(p, residual, residual_stride, m0, n0), residual_stride,
                    static_cast<uint8_t*>(out) + (m0 * out_stride + n0) * out_bytes, out_stride);
}

}  // namespace sparq
