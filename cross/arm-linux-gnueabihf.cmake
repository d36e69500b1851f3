# Cross-compiling the agent for 32-bit ARM (hard float) handhelds from Debian's multiarch packages:
#   dpkg --add-architecture armhf && apt-get install g++-arm-linux-gnueabihf libsqlite3-dev:armhf \
#     libpaho-mqttpp-dev:armhf libzxing-dev:armhf libboost-dev nlohmann-json3-dev libcli11-dev
#   cmake -S . -B build/armhf -DCMAKE_TOOLCHAIN_FILE=cross/arm-linux-gnueabihf.cmake -DRECOUNT_TESTS=OFF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf /usr/lib/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-L;/usr/arm-linux-gnueabihf)
