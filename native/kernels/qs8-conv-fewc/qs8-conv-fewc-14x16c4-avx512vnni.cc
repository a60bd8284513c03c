// AVX-512 VNNI few-channel direct conv kernel, 14 pixels x 16 output channels (stems with up to 16 channels).
#include "kernels/qs8-conv-fewc/qs8-conv-fewc-avx512vnni.h"

namespace sparq {

void qs8_conv_fewc_ukernel_14x16c4__avx512vnni(const Qs8FewcRowArgs& args) {
  qs8_conv_fewc_body<14, 1, FewcZmm>(args);
}

void qs8_conv_fewc_u8_ukernel_14x16c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out) {
  qs8_conv_fewc_u8_body<14, 1>(args, out);
}

}  // namespace sparq
