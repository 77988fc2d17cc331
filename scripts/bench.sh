#!/usr/bin/env bash
# Benchmarks print figures and ratios against baselines measured in the same run.
# Runs every benches/*.bench.mjs against a fresh build and a running devserver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh
cargo build -p devserver -p talk-gateway --profile server
source scripts/lib.sh
tmp=$(mktemp -d)
trap 'stop_all_gateways; stop_devserver; rm -rf "$tmp"' EXIT
DEVSERVER_BIN=${CARGO_TARGET_DIR:-target}/server/devserver DEVSERVER_LOG="$tmp/devserver.log" start_devserver "$tmp/data" \
  --api-key bench-key --connection bench-chat=chat --connection bench-audio=audio-one-channel \
  --www-dir www --pkg-dir pkg
export BENCH_DEVSERVER="http://$DEVSERVER_HTTP" BENCH_S3="${DEVSERVER_S3:+http://$DEVSERVER_S3}" BENCH_API_KEY=bench-key
# talk-gateway in front of the same devserver, for benches/gateway.bench.mjs.
export BENCH_GATEWAY_CREDENTIAL="Api-Key bench-key" BENCH_TICKET_SECRET="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
GATEWAY_BIN=${CARGO_TARGET_DIR:-target}/server/talk-gateway GATEWAY_LOG="$tmp/gateway.log" start_gateway \
  --upstream "http://$DEVSERVER_HTTP" --allow-origin "http://$DEVSERVER_HTTP" \
  --credential-env BENCH_GATEWAY_CREDENTIAL --ticket-secret-env BENCH_TICKET_SECRET
export BENCH_GATEWAY="http://$GATEWAY_HTTP"
export BENCH_GATEWAY_TICKET=$(${CARGO_TARGET_DIR:-target}/server/talk-gateway mint-ticket --secret-env BENCH_TICKET_SECRET --connection bench-audio --ttl 3600)
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
  if [ "$b" = benches/gateway.bench.mjs ] && [ -r "/proc/$GATEWAY_PID/status" ]; then
    # Peak resident memory of the gateway process over its whole life (both 1 GiB uploads).
    echo "talk-gateway peak RSS (VmHWM): $(awk '/VmHWM/ {print $2, $3}' "/proc/$GATEWAY_PID/status"); now (VmRSS): $(awk '/VmRSS/ {print $2, $3}' "/proc/$GATEWAY_PID/status")"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2; exit 1
fi
