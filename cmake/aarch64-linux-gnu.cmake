# Cross-compiles the native library and tests for aarch64 (Debian g++-aarch64-linux-gnu); run them under qemu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(SPARQ_TEST_RUNNER qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu CACHE STRING "")
