// AVX-512 VNNI few-channel direct conv kernel, 12 pixels x 32 output channels (stems with 17 to 32 channels): one
// pass over the window where two 16-channel panels would each broadcast every input group again.
#include "kernels/qs8-conv-fewc/qs8-conv-fewc-avx512vnni.h"

namespace sparq {

void qs8_conv_fewc_ukernel_12x32c4__avx512vnni(const Qs8FewcRowArgs& args) {
  qs8_conv_fewc_body<12, 2, FewcZmm>(args);
}

void qs8_conv_fewc_u8_ukernel_12x32c4__avx512vnni(const Qs8FewcRowArgs& args, const Qs8FewcU8Out& out) {
  qs8_conv_fewc_u8_body<12, 2>(args, out);
}

}  // namespace sparq
