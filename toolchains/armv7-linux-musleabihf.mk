# armv7 hard-float, musl, fully static (Debian: musl-dev:armhf ships the
# arm-linux-musleabihf-gcc wrapper; binutils from gcc-arm-linux-gnueabihf).
TC_CC := arm-linux-musleabihf-gcc
TC_AR := arm-linux-gnueabihf-ar
TC_STRIP := arm-linux-gnueabihf-strip
TC_CFLAGS := -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables -march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb
TC_LDFLAGS := -static -Wl,--gc-sections -s
TC_RUN := qemu-arm-static
