#!/bin/sh
# What `make demo` and `make check` run first (the Makefile calls it before it reads
# anything else): when a tool they need is missing, say which and install them all
# through third_party/bootstrap.sh (apt-get; through sudo when not root). Nothing
# happens when everything is there, as after .ci/run's own bootstrap.
#
#   third_party/need.sh demo     the build and the local mock: musl-gcc, lld, python3, openssl
#   third_party/need.sh check    all of make check: also the cross compilers and qemu,
#                                clang, valgrind, tinyproxy, unshare, zsh, fish, skopeo,
#                                umoci, npm (the MCP reference servers: npm ci)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tools="make gcc musl-gcc ld.lld python3 openssl"
# the pinned mbedTLS comes from `apt-get source` (dpkg-dev, bootstrap's deb-src entry)
[ -d "$here/src/mbedtls-3.6.6" ] || tools="$tools dpkg-source"
if [ "${1:-demo}" = check ]; then
	tools="$tools aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc qemu-aarch64-static"
	tools="$tools qemu-arm-static clang llvm-symbolizer valgrind tinyproxy unshare ip"
	tools="$tools zsh fish file aarch64-linux-musl-gcc arm-linux-musleabihf-gcc"
	tools="$tools mipsel-linux-gnu-gcc mips-linux-gnu-gcc riscv64-linux-gnu-gcc"
	tools="$tools arm-linux-gnueabi-gcc qemu-mipsel-static skopeo umoci npm"
fi
missing=
for t in $tools; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -z "$missing" ] && exit 0
how="apt-get"
[ "$(id -u)" = 0 ] || how="sudo apt-get"
echo "make: missing:$missing; installing the build and test prerequisites with" \
	"third_party/bootstrap.sh ($how)" >&2
"$here/bootstrap.sh"
