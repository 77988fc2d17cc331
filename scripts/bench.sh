#!/usr/bin/env bash
# Benchmarks print figures and ratios against baselines measured in the same run.
# Runs every benches/*.bench.mjs against a fresh build and a running devserver.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh
cargo build -p devserver --profile server
source scripts/lib.sh
tmp=$(mktemp -d)
trap 'stop_devserver; rm -rf "$tmp"' EXIT
DEVSERVER_BIN=target/server/devserver DEVSERVER_LOG="$tmp/devserver.log" start_devserver "$tmp/data" \
  --api-key bench-key --connection bench-chat=chat --connection bench-audio=audio-one-channel \
  --www-dir www --pkg-dir pkg
export BENCH_DEVSERVER="http://$DEVSERVER_HTTP" BENCH_S3="${DEVSERVER_S3:+http://$DEVSERVER_S3}" BENCH_API_KEY=bench-key
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
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2; exit 1
fi
