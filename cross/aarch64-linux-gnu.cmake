# Cross-compiling the agent for 64-bit ARM handhelds with Debian's cross toolchain and multiarch
# libraries (`scripts/setup --cross` installs them; docs/cross.md). Used by the cross-aarch64 preset:
#   cmake --preset cross-aarch64 && cmake --build --preset cross-aarch64 && ctest --preset cross-aarch64
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Multiarch: the target's libraries live in /usr/lib/aarch64-linux-gnu beside the build machine's,
# its headers in /usr/include (shared) and /usr/include/aarch64-linux-gnu. No sysroot: searching
# only under the root "/" with this library architecture finds them and never the amd64 ones.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config (libpng, libturbojpeg) reads the target's .pc files, not the build machine's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
# Runs the target's programs on the build machine: doctest's test discovery and ctest. The loader
# and libraries come from the multiarch packages (/lib/ld-linux-aarch64.so.1), so no -L is needed.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64-static)
