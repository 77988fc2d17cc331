#!/usr/bin/env bash
# Benchmarks: every figure against its alternative, measured in the same run. Runs every
# benches/*.bench.mjs against a fresh build and a running devserver (+ talk-gateway), then
# writes bench/results.json (schema-checked: bench/results.schema.json, keys: bench/README.md)
# and the README's figures block from it.
#   BENCH_SMOKE=1   a few seconds of tiny inputs, so the benches cannot rot (npm test runs it);
#                   its figures mean nothing, and the README is left alone.
#   BENCH_OUT=DIR   where results.json goes (default bench/).
#   BENCH_SKIP_BUILD=1  use pkg/ and the server binaries as they are (npm test has built them).
#   BENCH_PREVIOUS=REF  also build the git commit REF (a worktree and cargo target dir of its own,
#                   under target/bench-previous/) and validate with it in the same page: the
#                   validation bench then prints ours ÷ REF for each input. Or
#                   BENCH_PREVIOUS_PKG=DIR: a pkg/ directory built before.
#   BENCH_ONLY=NAME  run only benches/NAME.bench.mjs; results.json and the README are left alone.
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
prev_src=
# The previous build's worktree goes at exit; its cargo target dir stays, as a cache.
trap 'stop_all_gateways; stop_all_devservers; rm -rf "$tmp"; [ -z "$prev_src" ] || { git worktree remove --force "$prev_src" 2>/dev/null; git worktree prune; }' EXIT
if [ -n "${BENCH_PREVIOUS:-}" ]; then
  # A fixed place, so cargo's fingerprints and the build cache carry over between runs.
  prev_root=${CARGO_TARGET_DIR:-$PWD/target}/bench-previous
  prev_src=$prev_root/src
  prev_commit=$(git rev-parse --verify "$BENCH_PREVIOUS^{commit}")
  git worktree remove --force "$prev_src" 2>/dev/null || rm -rf "$prev_src"
  git worktree prune
  git worktree add --detach "$prev_src" "$prev_commit" >/dev/null
  ln -s "$PWD/node_modules" "$prev_src/node_modules"
  # Its target/ is a link into prev_root: older build scripts read target/ whatever
  # CARGO_TARGET_DIR says.
  mkdir -p "$prev_root/target"
  ln -s "$prev_root/target" "$prev_src/target"
  echo "==> building the previous build, $(git log -1 --format='%h %s' "$prev_commit")"
  (cd "$prev_src" && CARGO_TARGET_DIR=target TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh) >"$prev_root/build.log" 2>&1 ||
    { echo "the build of $BENCH_PREVIOUS failed: see $prev_root/build.log" >&2; exit 1; }
  export BENCH_PREVIOUS_PKG=$prev_src/pkg BENCH_PREVIOUS_NAME=$(git rev-parse --short "$prev_commit")
fi
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
benches=(benches/${BENCH_ONLY:-*}.bench.mjs)
if [ ${#benches[@]} -eq 0 ]; then
  [ -z "${BENCH_ONLY:-}" ] || { echo "BENCH_ONLY=$BENCH_ONLY: there is no benches/$BENCH_ONLY.bench.mjs" >&2; exit 2; }
  echo "no benchmarks yet (benches/*.bench.mjs)"; exit 0
fi
# Every bench runs even when one fails; the script fails at the end if any did.
failed=()
for b in "${benches[@]}"; do
  echo "==> $b"
  node "$b" || failed+=("$b")
done
if [ -n "${BENCH_ONLY:-}" ]; then
  echo "BENCH_ONLY=$BENCH_ONLY: a partial run, so $BENCH_OUT/results.json and the README are left alone (its part is in $BENCH_OUT/parts)"
else
  echo "==> $BENCH_OUT/results.json"
  node benches/_results.mjs || failed+=("results.json")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2; exit 1
fi
if [ "${BENCH_SMOKE:-0}" != 1 ] && [ -z "${BENCH_ONLY:-}" ]; then
  node benches/_readme.mjs "$BENCH_OUT/results.json" README.md
fi
echo "benchmarks done in $(( $(date +%s) - BENCH_STARTED )) s"
