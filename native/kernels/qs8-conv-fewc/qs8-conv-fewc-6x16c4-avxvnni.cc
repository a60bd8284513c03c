// AVX-VNNI few-channel direct conv kernel, 6 pixels x 16 output channels (vpdpbusd ymm).
#include "kernels/qs8-conv-fewc/qs8-conv-fewc-avxvnni.h"

namespace sparq {

void qs8_conv_fewc_ukernel_6x16c4__avxvnni(const Qs8FewcRowArgs& args) {
  qs8_conv_fewc_body<6, 2, FewcYmm>(args);
}

}  // namespace sparq
