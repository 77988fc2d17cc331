#!/usr/bin/env bash
# Runs every test tier, installing whatever a bare machine lacks first:
#   1. native: cargo test (pure core + devserver integration tests)
#   2. wire:   a Python grpcio client from independently written protos calls the devserver,
#              and boto3 signs forms and requests for the embedded S3
#   3. browser: wasm-bindgen-test in headless Chromium against a running devserver
#   4. package: npm run build, then the package loads in Node; TypeScript consumers compile
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
source scripts/lib.sh

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "native tests"
cargo test -p talk-uploader
# The devserver's tests move tens of MiB: build them optimised, and the binary with them.
cargo test -p devserver --profile server
export DEVSERVER_BIN=target/server/devserver
[ -x "$DEVSERVER_BIN" ] || cargo build -p devserver --profile server

tmp=$(mktemp -d)
cleanup() { stop_devserver; rm -rf "$tmp"; }
trap cleanup EXIT
api_key="test-key-$RANDOM$RANDOM"
iam_token="test-iam-$RANDOM$RANDOM"
DEVSERVER_LOG="$tmp/devserver.log" start_devserver "$tmp/data" \
  --api-key "$api_key" --iam-token "$iam_token" \
  --connection test-chat=chat --connection test-audio-1=audio-one-channel \
  --connection test-audio-2=audio-two-channel
echo "devserver on http://$DEVSERVER_HTTP (s3: ${DEVSERVER_S3:-none})"

step "wire compatibility (Python grpcio, independent protos)"
.venv-wire/bin/python tests/wire/grpcio_upload_text.py "$DEVSERVER_HTTP" "$api_key"

step "wire compatibility (boto3 against the embedded S3)"
.venv-wire/bin/python devserver/tests/boto3_interop.py "$DEVSERVER_BIN"

# Compile-time settings of the browser tests (the browser cannot read the environment).
export TALK_UPLOADER_DEVSERVER_URL="http://$DEVSERVER_HTTP"
export TALK_UPLOADER_S3_URL="${DEVSERVER_S3:+http://$DEVSERVER_S3}"
export TALK_UPLOADER_TEST_API_KEY="$api_key" TALK_UPLOADER_TEST_IAM_TOKEN="$iam_token"
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}

step "browser tests (headless Chromium)"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p talk-uploader --target wasm32-unknown-unknown --test 'browser_*'

step "browser tests (headless Firefox ESR)"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test -p talk-uploader --target wasm32-unknown-unknown --test 'browser_*'

step "package build"
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh

step "package in Node"
node --test tests/node/

step "end to end: the demo page in headless Chromium"
node --test tests/e2e/

if [ -f tests/types/tsconfig.json ]; then
  step "TypeScript consumer (tsc --noEmit --strict)"
  node_modules/.bin/tsc -p tests/types/tsconfig.json
fi

stop_devserver
echo
echo "all tiers passed in $(( $(date +%s) - started )) s"
