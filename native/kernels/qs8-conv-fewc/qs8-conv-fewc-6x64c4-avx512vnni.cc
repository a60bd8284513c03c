// AVX-512 VNNI few-channel direct conv kernel, 6 pixels x 64 output channels (stems with more than 32 channels).
#include "kernels/qs8-conv-fewc/qs8-conv-fewc-avx512vnni.h"

namespace sparq {

void qs8_conv_fewc_ukernel_6x64c4__avx512vnni(const Qs8FewcRowArgs& args) {
  qs8_conv_fewc_body<6, 4, FewcZmm>(args);
}

void qs8_conv_fewc_u8_ukernel_6x64c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out) {
  qs8_conv_fewc_u8_body<6, 4>(args, out);
}

}  // namespace sparq
