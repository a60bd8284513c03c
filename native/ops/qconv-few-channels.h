// QConv for inputs with at most 4 channels (stems): direct int8 kernels that read each output pixel's window
// straight from zero-point-padded input rows (no im2col, depth padded per kernel row to 4 bytes only).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/qs8-conv-fewc/qs8-conv-fewc.h"
#include "kernels/qs8-epilogue/qs8-epilogue.h"
#include "ops/im2col.h"
#include "runtime/cpu.h"
#include "runtime/thread-pool.h"

namespace sparq {

// A direct few-channel kernel and how it wants its weights and input rows.
struct Qs8FewcKernel {
  const char* name;
  Qs8FewcRowFn ukernel;
  size_t nr;         // output channels per packed panel
  size_t min_out_c;  // chosen only for convs with more output channels than this (narrower ones waste it)
  int32_t a_offset;  // the kernel multiplies (x - a_offset) (Qs8PackSpec::a_offset, folded into the bias)
  Qs8FewcRowU8Fn ukernel_u8 = nullptr;  // ukernel with the u8 fast epilogue of this ISA fused, or null
};

// Kernels usable with these features, best first (empty when the CPU has none: im2col + GEMM then).
std::vector<const Qs8FewcKernel*> qs8_fewc_kernels(const CpuFeatures& features);

class Qs8FewChannelConv {
 public:
  // Whether the geometry suits the direct kernels: one group, 1..4 input channels, no horizontal dilation, not a
  // plain 1x1 stride-1 unpadded conv (the direct GEMM reads those rows as they are).
  static bool suits(const ConvGeometry& g);
  // The best usable kernel's path, or null when the geometry or the CPU does not suit it.
  // weights [M, C, kh, kw] s8, bias [M] s32 (or null); g.out_* already set.
  static std::unique_ptr<Qs8FewChannelConv> create(const ConvGeometry& g, const CpuFeatures& features,
                                                   const int8_t* weights, const int32_t* bias, int32_t x_zero_point);
  // This kernel (one of qs8_fewc_kernels; the geometry must suit).
  Qs8FewChannelConv(const ConvGeometry& g, const Qs8FewcKernel& kernel, const int8_t* weights, const int32_t* bias,
                    int32_t x_zero_point);

  const char* kernel_name() const { return kernel_->name; }

  // y (u8 or f32 as p says, NHWC) = epilogue(conv(x)); residual r (u8 NHWC like y) read when p.residual.
  // `epilogue` is the GEMM epilogue of the CPU's ISA; the u8 fast form skips it where the kernel has it fused.
  void run(ThreadPool* pool, const uint8_t* x, const Qs8EpilogueParams& p, Qs8EpilogueFn epilogue,
           const uint8_t* r, void* y) const;

 private:
  // Every column panel of one pixel chunk through ukernel_u8 (sets args.packed; args.acc unused): y and r (or null)
  // point at the chunk's first pixel. args by reference: a copy per row read back wider than it was written (a
  // store-forwarding stall) cost ~15% of a 28x28 stem.
  void run_panels_u8(Qs8FewcRowArgs& args, const Qs8EpilogueParams& p, const uint8_t* r, uint8_t* y) const;

  ConvGeometry g_;
  const Qs8FewcKernel* kernel_;
  size_t panels_, dwords_, panel_bytes_;
  uint8_t zero_point_;
  std::vector<uint8_t> packed_;
};

}  // namespace sparq
