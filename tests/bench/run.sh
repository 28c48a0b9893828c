#!/bin/sh
# Side-by-side bench (issue 7), run by `make bench` with DBXAI_BIN set:
# dbxai against curl -N, the OpenAI Node SDK and Databricks' AI SDK provider, on
# one local TLS endpoint (tests/bench/server.py on 127.0.0.1). Prints a table per
# workload, writes build/bench/results.json and keeps the report, with the
# machine's description, in tests/bench/RESULTS.md.
#
# The npm peers are installed from package-lock.json into tests/bench/node_modules
# (ignored by git); without node or npm, or without the registry, they are skipped
# and the run says so. Knobs (environment): BENCH_RUNS (5), BENCH_RUNS_BIG (3),
# BENCH_RUNS_EMBED (3), BENCH_DELAY_MS (200), BENCH_EMBED_DIM (1024),
# BENCH_EMBED_INPUTS (10000), BENCH_EMBED_BATCH (64), BENCH_PACED (28572),
# BENCH_PACE_US (50), BENCH_RUNS_PACED (3), BENCH_NO_NPM=1 (no install).
set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
bench=tests/bench
: "${DBXAI_BIN:=build/x86_64-linux-musl/dbxai}"
[ -x "$DBXAI_BIN" ] || { echo "bench: no dbxai binary at $DBXAI_BIN (make first)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 is needed" >&2; exit 1; }
sh tests/e2e/certs.sh build/pki

# the launcher that measures each client run (static, so it passes on no RSS of its own)
mkdir -p build/bench
meter=build/bench/runmeter
if [ ! -x "$meter" ] || [ "$bench/runmeter.c" -nt "$meter" ]; then
	if command -v musl-gcc >/dev/null 2>&1; then
		musl-gcc -static -O2 -o "$meter" "$bench/runmeter.c"
	else
		${CC:-cc} -static -O2 -o "$meter" "$bench/runmeter.c" 2>/dev/null ||
			${CC:-cc} -O2 -o "$meter" "$bench/runmeter.c"
	fi
fi

# npm peers, pinned by the lockfile
note=
if ! command -v node >/dev/null 2>&1; then
	note="node not found: the OpenAI SDK and AI SDK provider columns are skipped"
elif [ -f "$bench/node_modules/.package-lock.json" ] &&
	cmp -s "$bench/package-lock.json" "$bench/node_modules/.lock-installed" 2>/dev/null; then
	: # installed from this lockfile
elif [ -n "${BENCH_NO_NPM:-}" ]; then
	note="BENCH_NO_NPM set: npm peers not installed"
elif ! command -v npm >/dev/null 2>&1; then
	note="npm not found: the OpenAI SDK and AI SDK provider columns are skipped"
else
	echo "bench: npm ci (pinned peers) into $bench/node_modules"
	if (cd "$bench" && timeout 300 npm ci --prefer-offline --no-audit --no-fund --loglevel=error >"$top/build/npm-ci.log" 2>&1); then
		cp "$bench/package-lock.json" "$bench/node_modules/.lock-installed"
	else
		note="npm ci failed (offline?): see build/npm-ci.log; npm peers skipped"
		rm -rf "$bench/node_modules"
	fi
fi
[ -z "$note" ] || echo "bench: $note"

work=$(mktemp -d "${TMPDIR:-/tmp}/dbxai-bench-srv.XXXXXX")
server=
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

token="dapi-bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
# bounded: the server ends after 15 minutes, or when this script goes away
python3 "$bench/server.py" --cert build/pki/server.pem --port-file "$work/port" \
	--log "$work/requests.jsonl" --token "$token" --lifetime 900 \
	--embed-dim "${BENCH_EMBED_DIM:-1024}" \
	--prerender "${BENCH_SMALL:-2000},${BENCH_BIG:-100000},${BENCH_CALLGRIND_BIG:-20000},50" \
	--prerender-paced "${BENCH_SMALL:-2000},${BENCH_PACED:-28572}" &
server=$!
i=0
while [ ! -f "$work/port" ]; do
	kill -0 "$server" 2>/dev/null || { echo "bench: server did not start" >&2; exit 1; }
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "bench: server did not start in 30 s" >&2; exit 1; }
	sleep 0.05
done

rc=0
DBXAI_BIN=$DBXAI_BIN BENCH_PORT_FILE="$work/port" BENCH_SERVER_LOG="$work/requests.jsonl" \
	BENCH_TOKEN="$token" BENCH_RUNMETER="$meter" BENCH_PEERS_NOTE="$note" python3 "$bench/bench.py" || rc=$?
exit $rc
