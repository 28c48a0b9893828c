#!/bin/sh
# Fetches and unpacks the pinned dependencies listed in third_party/manifest into
# third_party/src/ (ignored by git). A file already present in third_party/ (put there
# by hand for an offline build, or by an earlier run) is used as it is; either way its
# sha256 must match the manifest or nothing is unpacked.
#
#   third_party/fetch.sh [NAME...]            fetch what is missing, verify, unpack
#   third_party/fetch.sh --verify [NAME...]   verify the files present, unpack nothing
# With NAMEs, only those manifest entries (e.g. `fetch.sh musl`: only the targets
# that build their own musl need it); without, every entry.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/src"
verify_only=0
if [ "${1:-}" = "--verify" ]; then
	verify_only=1
	shift
fi
names=" $* "

die() { echo "fetch: $*" >&2; exit 1; }

have_sha() { # file sha256 -> 0 when the file matches
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

check() { # file sha256 name
	got=$(sha256sum "$1" | cut -d' ' -f1)
	[ "$got" = "$2" ] || die "$3: sha256 mismatch for $1
  expected $2
  got      $got
Remove the file (or put the right one there) and run again."
}

# apt-source:PKG=VER  -> `apt-get source --download-only`, keep the orig tarball
fetch_apt_source() { # spec file
	command -v apt-get >/dev/null || die "apt-get not found; place $2 in $here by hand"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get source --download-only -q "$1" >/dev/null 2>"$tmp/err") || {
		sed 's/^/  /' "$tmp/err" >&2; rm -rf "$tmp"
		die "'apt-get source $1' failed: run third_party/bootstrap.sh (it adds the deb-src entry), or place $2 in $here"
	}
	[ -f "$tmp/$2" ] || { rm -rf "$tmp"; die "apt-get source $1 did not produce $2"; }
	mv "$tmp/$2" "$here/$2"
	rm -rf "$tmp"
}

# apt-deb:PKG=VER:PATH -> `apt-get download`, extract PATH from the .deb
fetch_apt_deb() { # spec file
	pkg=${1%%:*}
	path=${1#*:}
	command -v apt-get >/dev/null || die "apt-get not found; place $2 in $here by hand"
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>"$tmp/err") || {
		sed 's/^/  /' "$tmp/err" >&2; rm -rf "$tmp"
		die "'apt-get download $pkg' failed: run 'apt-get update', or place $2 in $here"
	}
	dpkg-deb -x "$tmp"/*.deb "$tmp/x" || { rm -rf "$tmp"; die "cannot unpack the $pkg .deb"; }
	[ -f "$tmp/x/$path" ] || { rm -rf "$tmp"; die "$pkg has no $path"; }
	mv "$tmp/x/$path" "$here/$2"
	rm -rf "$tmp"
}

grep -v '^#' "$here/manifest" | while read -r name version file sha origin; do
	[ -n "$name" ] || continue
	[ "$names" = "  " ] || case $names in *" $name "*) ;; *) continue ;; esac
	stamp="$src/.$name-$version.ok"
	if [ $verify_only = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sha" ]; then
		continue
	fi
	if ! have_sha "$here/$file" "$sha"; then
		[ $verify_only = 0 ] || die "$name: $here/$file missing or wrong"
		if [ -f "$here/$file" ]; then
			check "$here/$file" "$sha" "$name"
		fi
		echo "fetch: $name $version ($origin)" >&2
		case $origin in
		apt-source:*) fetch_apt_source "${origin#apt-source:}" "$file" ;;
		apt-deb:*) fetch_apt_deb "${origin#apt-deb:}" "$file" ;;
		*) die "$name: unknown origin $origin" ;;
		esac
	fi
	check "$here/$file" "$sha" "$name"
	[ $verify_only = 0 ] || continue
	mkdir -p "$src"
	case $file in
	*.tar.bz2 | *.tar.gz | *.tar.xz)
		rm -rf "$src/$name-$version"
		mkdir -p "$src/$name-$version"
		tar -xf "$here/$file" -C "$src/$name-$version" --strip-components=1
		;;
	*)
		rm -rf "$src/$name-$version"
		mkdir -p "$src/$name-$version"
		cp "$here/$file" "$src/$name-$version/"
		;;
	esac
	echo "$sha" >"$stamp"
	echo "fetch: $name $version ready in third_party/src/$name-$version" >&2
done
