#!/usr/bin/env bash
# Benchmarks: every figure against its alternative, measured in the same run. Runs every
# benches/*.bench.mjs against a fresh build and a running devserver (+ talk-gateway), then
# writes bench/results.json (schema-checked: bench/results.schema.json, keys: bench/README.md)
# and the README's figures block from it.
#   BENCH_SMOKE=1   a few seconds of tiny inputs, so the benches cannot rot (npm test runs it);
#                   its figures mean nothing, and the README is left alone.
#   BENCH_OUT=DIR   where results.json goes (default bench/).
#   BENCH_SKIP_BUILD=1  use pkg/ and the server binaries as they are (npm test has built them).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export BENCH_STARTED=$(date +%s) BENCH_LOAD_AT_START=$(cut -d' ' -f1 /proc/loadavg)
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  [ "${TALK_UPLOADER_SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh
  TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh
  cargo build -p devserver -p talk-gateway --profile server
fi
source scripts/lib.sh
export BENCH_OUT=${BENCH_OUT:-bench}
rm -rf "$BENCH_OUT/parts" "$BENCH_OUT/results.json"
mkdir -p "$BENCH_OUT"
tmp=$(mktemp -d)
trap 'stop_all_gateways; stop_all_devservers; rm -rf "$tmp"' EXIT
DEVSERVER_BIN=${DEVSERVER_BIN:-${CARGO_TARGET_DIR:-target}/server/devserver} DEVSERVER_LOG="$tmp/devserver.log" start_devserver "$tmp/data" \
  --api-key bench-key --connection bench-chat=chat --connection bench-audio=audio-one-channel \
  --www-dir www --pkg-dir pkg
export BENCH_DEVSERVER="http://$DEVSERVER_HTTP" BENCH_S3="${DEVSERVER_S3:+http://$DEVSERVER_S3}" BENCH_API_KEY=bench-key
# talk-gateway in front of the same devserver, for benches/gateway.bench.mjs.
gateway_bin=${GATEWAY_BIN:-${CARGO_TARGET_DIR:-target}/server/talk-gateway}
export BENCH_GATEWAY_CREDENTIAL="Api-Key bench-key" BENCH_TICKET_SECRET="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
GATEWAY_BIN=$gateway_bin GATEWAY_LOG="$tmp/gateway.log" start_gateway \
  --upstream "http://$DEVSERVER_HTTP" --allow-origin "http://$DEVSERVER_HTTP" \
  --credential-env BENCH_GATEWAY_CREDENTIAL --ticket-secret-env BENCH_TICKET_SECRET
# The bench reads the gateway's peak RSS (VmHWM) from /proc itself.
export BENCH_GATEWAY="http://$GATEWAY_HTTP" BENCH_GATEWAY_PID=$GATEWAY_PID
export BENCH_GATEWAY_TICKET=$("$gateway_bin" mint-ticket --secret-env BENCH_TICKET_SECRET --connection bench-audio --ttl 3600)
shopt -s nullglob
benches=(benches/*.bench.mjs)
if [ ${#benches[@]} -eq 0 ]; then
  echo "no benchmarks yet (benches/*.bench.mjs)"; exit 0
fi
# Every bench runs even when one fails; the script fails at the end if any did.
failed=()
for b in "${benches[@]}"; do
  echo "==> $b"
  node "$b" || failed+=("$b")
done
echo "==> $BENCH_OUT/results.json"
node benches/_results.mjs || failed+=("results.json")
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2; exit 1
fi
if [ "${BENCH_SMOKE:-0}" != 1 ]; then
  node benches/_readme.mjs "$BENCH_OUT/results.json" README.md
fi
echo "benchmarks done in $(( $(date +%s) - BENCH_STARTED )) s"
