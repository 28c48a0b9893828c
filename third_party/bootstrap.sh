#!/bin/sh
# Installs every build and test prerequisite on a Debian 12 (bookworm) machine with apt:
# the musl cross toolchains for x86_64/aarch64/armv7, the cross gcc for mipsel, mips,
# riscv64 and armv5te (armel) that make builds musl with for those targets, lld (the
# x86_64, armv7 and armv5te links), qemu to run the foreign test binaries, clang for
# fuzzing/sanitizers, python3/openssl/tinyproxy for the loopback tests, zsh/fish for
# the completion tests, skopeo/umoci for make test-image, and a
# deb-src entry for trixie so `apt-get source mbedtls=3.6.6-0.1~deb13u1` (and
# musl=1.2.5-3.1~deb13u1) works. That
# entry points at the Debian archive this machine's apt already uses (see
# debian_archive_uri below); no archive host is written into this script.
# Idempotent; run as root (or through sudo).
#
#   third_party/bootstrap.sh                 set up this machine
#   third_party/bootstrap.sh --archive-uri [ROOT]
#                                            only print the URI the deb-src entry would
#                                            use, read from ROOT/etc/apt (default /)
set -eu

SRC_LIST=/etc/apt/sources.list.d/dbxai-trixie-src.sources

# debian_archive_uri ROOT: prints the URI of the Debian archive in ROOT's apt sources
# (etc/apt/sources.list, then etc/apt/sources.list.d/*.list and *.sources in name
# order; one-line and deb822 formats), or fails. The archive is the first entry
# that is enabled, of type deb or deb-src, with component main, with a suite that is
# a Debian release name or alias (bookworm, trixie, stable, ...: not bookworm-security,
# -updates or -backports, not a third-party "nodistro"), and that is either not
# pinned to a key or pinned to one of the debian-archive keyrings (third-party
# repositories that reuse Debian's suite names carry their own key). Our own entry
# (SRC_LIST) is not read: it is made from this answer.
debian_archive_uri() {
	root=${1%/}
	# the machine's own release too, should it be newer than this list
	codename=
	if grep -Eq '^ID=["'\'']?debian["'\'']?$' "$root/etc/os-release" 2>/dev/null; then
		codename=$(sed -n 's/^VERSION_CODENAME=["'\'']*\([a-z]*\).*/\1/p' "$root/etc/os-release")
	fi
	releases="buster bullseye bookworm trixie forky duke sid oldoldstable oldstable stable testing unstable $codename"
	for f in "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*; do
		[ -f "$f" ] || continue
		case $f in
		*/"${SRC_LIST##*/}") continue ;;
		*.sources) fmt=deb822 ;;
		*/sources.list | *.list) fmt=line ;;
		*) continue ;;
		esac
		uri=$(awk -v fmt="$fmt" -v releases="$releases" '
			function has(list, word,   w, n, i) {
				n = split(list, w, " ")
				for (i = 1; i <= n; i++)
					if (w[i] == word)
						return 1
				return 0
			}
			function consider(types, uris, suites, comps, signed, enabled,   s, n, i, ok, u) {
				if (found || tolower(enabled) ~ /^[ \t]*no[ \t]*$/)
					return
				if (!has(types, "deb") && !has(types, "deb-src"))
					return
				if (!has(comps, "main"))
					return
				n = split(suites, s, " ")
				ok = 0
				for (i = 1; i <= n; i++)
					if (has(releases, s[i]))
						ok = 1
				if (!ok || (signed !~ /^[ \t]*$/ && signed !~ /debian-archive/))
					return
				if (split(uris, u, " ") < 1)
					return
				print u[1]
				found = 1
			}
			function flush() {
				if (key != "")
					consider(f["types"], f["uris"], f["suites"], f["components"],
						 f["signed-by"], f["enabled"])
				split("", f)
				key = ""
			}
			fmt == "line" {
				sub(/#.*/, "")
				n = split($0, w, " ")
				i = 1
				signed = ""
				if (n >= 2 && substr(w[2], 1, 1) == "[") {
					opts = ""
					for (i = 2; i <= n; i++) {
						opts = opts " " tolower(w[i])
						if (w[i] ~ /\]$/)
							break
					}
					if (match(opts, /signed-by=[^] ]*/))
						signed = substr(opts, RSTART + 10, RLENGTH - 10)
				}
				if (n < i + 3)
					next
				comps = ""
				for (j = i + 3; j <= n; j++)
					comps = comps " " w[j]
				consider(w[1], w[i + 1], w[i + 2], comps, signed, "")
				next
			}
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { if (key != "") f[key] = f[key] " " $0; next }
			{
				p = index($0, ":")
				if (p == 0)
					next
				key = tolower(substr($0, 1, p - 1))
				f[key] = substr($0, p + 1)
			}
			END { if (fmt == "deb822") flush() }
		' "$f")
		if [ -n "$uri" ]; then
			echo "$uri"
			return 0
		fi
	done
	echo "bootstrap: no Debian archive entry (deb or deb-src, suite such as bookworm or trixie, component main) in $root/etc/apt/sources.list or $root/etc/apt/sources.list.d/; add one, or write $SRC_LIST by hand" >&2
	return 1
}

if [ "${1:-}" = --archive-uri ]; then
	debian_archive_uri "${2:-/}"
	exit
fi

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

if [ ! -f "$SRC_LIST" ]; then
	uri=$(debian_archive_uri /)
	$SUDO tee "$SRC_LIST" >/dev/null <<SRC
Types: deb-src
URIs: $uri
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
	gcc-mipsel-linux-gnu gcc-mips-linux-gnu gcc-riscv64-linux-gnu gcc-arm-linux-gnueabi \
	qemu-user-static \
	clang llvm libclang-rt-14-dev lld \
	python3 openssl tinyproxy iproute2 util-linux zsh fish \
	dpkg-dev file ca-certificates binutils time valgrind skopeo umoci
# npm installs the MCP reference servers the tests run (tests/mcp, npm ci): Debian's
# npm (and its nodejs) only when the machine has none of its own
if ! command -v npm >/dev/null 2>&1; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
fi
