{
  # One static library per ISA: its flags apply to its kernel files only (never -march=native).
  # Sources are listed by scripts/list-sources.js from the file names, so adding a file needs no edit here.
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fvisibility=hidden"],
    "cflags!": ["-fno-exceptions"],
    "include_dirs": ["native", "<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "MACOSX_DEPLOYMENT_TARGET": "11.0"
    }
  },
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        { "target_name": "sparq_avx2", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js avx2)"],
          "cflags": ["-mavx2", "-mfma", "-mf16c"], "xcode_settings": { "OTHER_CFLAGS": ["-mavx2", "-mfma", "-mf16c"] } },
        { "target_name": "sparq_avxvnni", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js avxvnni)"],
          "cflags": ["-mavx2", "-mfma", "-mavxvnni"], "xcode_settings": { "OTHER_CFLAGS": ["-mavx2", "-mfma", "-mavxvnni"] } },
        { "target_name": "sparq_avx512", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js avx512)"],
          "cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-mavx2"],
          "xcode_settings": { "OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-mavx2"] } },
        { "target_name": "sparq_avx512vnni", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js avx512vnni)"],
          "cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mfma", "-mavx2"],
          "xcode_settings": { "OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mfma", "-mavx2"] } },
        { "target_name": "sparq_avx512vbmi", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js avx512vbmi)"],
          "cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512vbmi", "-mfma", "-mavx2"],
          "xcode_settings": { "OTHER_CFLAGS": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512vbmi", "-mfma", "-mavx2"] } },
        { "target_name": "sparq",
          "sources": ["<!@(node scripts/list-sources.js portable)", "<!@(node scripts/list-sources.js addon)"],
          "dependencies": ["sparq_avx2", "sparq_avxvnni", "sparq_avx512", "sparq_avx512vnni", "sparq_avx512vbmi"] }
      ]
    }],
    ["target_arch=='arm64'", {
      "targets": [
        { "target_name": "sparq_neon", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js neon)"] },
        { "target_name": "sparq_neondot", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js neondot)"],
          "cflags": ["-march=armv8.2-a+dotprod"], "xcode_settings": { "OTHER_CFLAGS": ["-march=armv8.2-a+dotprod"] } },
        { "target_name": "sparq_neoni8mm", "type": "static_library",
          "sources": ["<!@(node scripts/list-sources.js neoni8mm)"],
          "cflags": ["-march=armv8.2-a+dotprod+i8mm"], "xcode_settings": { "OTHER_CFLAGS": ["-march=armv8.2-a+dotprod+i8mm"] } },
        { "target_name": "sparq",
          "sources": ["<!@(node scripts/list-sources.js portable)", "<!@(node scripts/list-sources.js addon)"],
          "dependencies": ["sparq_neon", "sparq_neondot", "sparq_neoni8mm"] }
      ]
    }]
  ]
}
