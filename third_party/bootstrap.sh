#!/bin/sh
# Installs every build and test prerequisite on a Debian 12 (bookworm) machine with apt:
# the musl cross toolchains for x86_64/aarch64/armv7, qemu to run ARM test binaries,
# clang for fuzzing/sanitizers, python3/openssl/tinyproxy for the loopback tests, and a
# deb-src entry for trixie so `apt-get source mbedtls=3.6.6-0.1~deb13u1` works.
# Idempotent; run as root (or through sudo).
set -eu

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

SRC_LIST=/etc/apt/sources.list.d/dbxai-trixie-src.sources
if [ ! -f "$SRC_LIST" ]; then
	$SUDO tee "$SRC_LIST" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

for a in arm64 armhf; do
	dpkg --print-foreign-architectures | grep -qx "$a" || $SUDO dpkg --add-architecture "$a"
done

# Right after adding architectures the index download sometimes fails on a size
# mismatch ("Mirror sync in progress?"), at times for one foreign index for hours.
# Retry; if it still fails, go on with the indexes that did arrive: the install below
# fails loudly if a package we need is really missing.
n=0
until $SUDO apt-get update -q; do
	n=$((n + 1))
	if [ "$n" -ge 3 ]; then
		echo "bootstrap: apt-get update kept failing; continuing with the indexes it got" >&2
		break
	fi
	sleep $((n * 5))
done

$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	make gcc libc6-dev musl-tools musl-dev \
	gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf musl-dev:arm64 musl-dev:armhf \
	qemu-user-static \
	clang llvm libclang-rt-14-dev \
	python3 openssl tinyproxy \
	dpkg-dev file ca-certificates binutils time valgrind
