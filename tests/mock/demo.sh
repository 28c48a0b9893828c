#!/bin/sh
# make demo: one streamed chat turn. Against the workspace when one is configured
# (DATABRICKS_HOST or ~/.databrickscfg), else against the local mock serving
# endpoint on 127.0.0.1 with a test CA made here, stopped afterwards.
#   tests/mock/demo.sh BINARY [PROMPT...]
set -eu
bin=$1
shift
[ $# -gt 0 ] || set -- "Hello! What can you do on a small device?"

if [ -n "${DATABRICKS_HOST:-}" ] || [ -f "${DATABRICKS_CONFIG_FILE:-$HOME/.databrickscfg}" ]; then
	echo "demo: using your workspace" >&2
	exec $bin chat "$@"
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
sh "$top/tests/e2e/certs.sh" "$top/build/pki"
dir=$(mktemp -d)
python3 "$top/tests/mock/server.py" --cert "$top/build/pki/server.pem" \
	--port-file "$dir/port" --token demo-token --lifetime 120 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
n=0
while [ ! -s "$dir/port" ]; do
	n=$((n + 1))
	[ $n -lt 100 ] || { echo "demo: the mock did not start" >&2; exit 1; }
	sleep 0.1
done
echo "demo: no workspace configured; talking to the local mock at https://localhost:$(cat "$dir/port")" >&2
DBXAI_LOG=0 DATABRICKS_HOST="https://localhost:$(cat "$dir/port")" DATABRICKS_TOKEN=demo-token \
	SSL_CERT_FILE="$top/build/pki/ca.pem" DATABRICKS_CONFIG_FILE=/dev/null \
	$bin chat "$@"
