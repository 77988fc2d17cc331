#!/usr/bin/env bash
# Runs every test tier, installing whatever a bare machine lacks first:
#   1. native: cargo test (pure core + devserver integration tests)
#   2. wire:   a Python grpcio client from independently written protos calls the devserver,
#              and boto3 signs forms and requests for the embedded S3
#   3. browser: wasm-bindgen-test in headless Chromium against a running devserver
#   4. package: npm run build, then the package loads in Node; TypeScript consumers compile
#   5. size: each entry within its ceiling of gzip (tests/size, scripts/size.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
source scripts/lib.sh

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "structure: layering, files named in comments and docs, doc links"
# Seconds, and each failure names the file and line: an import that runs back up the layers
# (src/lib.rs declares them bottom-up), a comment or doc naming a file that does not exist, a
# broken [`link`] in the crate docs.
cargo test -p talk-uploader --test layers --test doc_paths
RUSTDOCFLAGS="-D rustdoc::broken-intra-doc-links" cargo doc -p talk-uploader --no-deps --quiet

step "native tests"
cargo test -p talk-uploader
# The devserver's tests move tens of MiB: build them optimised, and the binary with them.
cargo test -p devserver --profile server
export DEVSERVER_BIN=${CARGO_TARGET_DIR:-target}/server/devserver
[ -x "$DEVSERVER_BIN" ] || cargo build -p devserver --profile server
# talk-gateway: ticket checks, the refusal matrix and every method through it to an in-process
# devserver over h2c and TLS; the binary comes with them.
cargo test -p talk-gateway --profile server
export GATEWAY_BIN=${CARGO_TARGET_DIR:-target}/server/talk-gateway
[ -x "$GATEWAY_BIN" ] || cargo build -p talk-gateway --profile server

tmp=$(mktemp -d)
cleanup() { stop_all_gateways; stop_all_devservers; rm -rf "$tmp"; }
trap cleanup EXIT
api_key="test-key-$RANDOM$RANDOM"
iam_token="test-iam-$RANDOM$RANDOM"
DEVSERVER_LOG="$tmp/devserver.log" start_devserver "$tmp/data" \
  --api-key "$api_key" --iam-token "$iam_token" \
  --connection test-chat=chat --connection test-audio-1=audio-one-channel \
  --connection test-audio-2=audio-two-channel
echo "devserver on http://$DEVSERVER_HTTP (s3: ${DEVSERVER_S3:-none})"

# Faulty servers for tests/browser_reliability.rs; --fault-schedule names the requests that fail,
# by index per port (faults.rs; grpc-web uploads and S3 POSTs count separately). `fail,ok,...`
# fails requests 0, 2, 4, ... and lets the odd ones through, so every upload fails once and
# succeeds on its second attempt, in any test order. `fail,fail,ok,...` fails 0, 1, 3, 4, 6, 7,
# ...: browsers silently resend a POST once after a reset, so the engine sees one failure where
# the server cut two requests.
faulty=(--api-key "$api_key" --connection test-audio-1=audio-one-channel)
DEVSERVER_PREFIX=FAULTY_503 DEVSERVER_LOG="$tmp/faulty-503.log" start_devserver "$tmp/faulty-503" \
  "${faulty[@]}" --fault-mode 503 --fault-schedule "fail,ok,..."
DEVSERVER_PREFIX=FAULTY_RESET DEVSERVER_LOG="$tmp/faulty-reset.log" start_devserver "$tmp/faulty-reset" \
  "${faulty[@]}" --fault-mode reset --fault-schedule "fail,fail,ok,..."
DEVSERVER_PREFIX=FAULTY_STALL DEVSERVER_LOG="$tmp/faulty-stall.log" start_devserver "$tmp/faulty-stall" \
  "${faulty[@]}" --fault-mode stall --fault-schedule "fail,..."
# Presigns that pass the local 30 s expiry margin for only ~2 s (see src/s3_post).
DEVSERVER_PREFIX=SHORT_PRESIGN DEVSERVER_LOG="$tmp/short-presign.log" start_devserver "$tmp/short-presign" \
  "${faulty[@]}" --presign-expires-secs 33 --s3-max-skew-secs 86400

# talk-gateway for tests/browser_gateway.rs: the browser tests' page gets a fixed origin, the
# only one the gateways allow (exact --allow-origin), in front of the test devserver (h2c) and of
# a devserver speaking gRPC over TLS with a certificate made now. The page holds tickets only.
page_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
export WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$page_port"
page_origin="http://127.0.0.1:$page_port"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:FALSE" \
  -addext "extendedKeyUsage=serverAuth" -keyout "$tmp/tls-key.pem" -out "$tmp/tls-cert.pem" 2>/dev/null
DEVSERVER_PREFIX=TLS_DEV DEVSERVER_LOG="$tmp/tls-dev.log" start_devserver "$tmp/tls-dev" \
  "${faulty[@]}" --tls-cert "$tmp/tls-cert.pem" --tls-key "$tmp/tls-key.pem"
export TALK_GATEWAY_CREDENTIAL="Api-Key $api_key"
export TALK_GATEWAY_TICKET_SECRET="test-ticket-secret-$RANDOM$RANDOM$RANDOM$RANDOM"
gateway_flags=(--credential-env TALK_GATEWAY_CREDENTIAL --ticket-secret-env TALK_GATEWAY_TICKET_SECRET)
GATEWAY_LOG="$tmp/gateway.log" start_gateway --upstream "http://$DEVSERVER_HTTP" \
  --allow-origin "$page_origin" "${gateway_flags[@]}"
GATEWAY_PREFIX=GATEWAY_TLS GATEWAY_LOG="$tmp/gateway-tls.log" start_gateway \
  --upstream "https://$TLS_DEV_HTTP" --upstream-ca-file "$tmp/tls-cert.pem" \
  --allow-origin "$page_origin" "${gateway_flags[@]}"
GATEWAY_PREFIX=GATEWAY_OTHER GATEWAY_LOG="$tmp/gateway-other.log" start_gateway \
  --upstream "http://$DEVSERVER_HTTP" --allow-origin "https://another-app.example" "${gateway_flags[@]}"
mint() { "$GATEWAY_BIN" mint-ticket --secret-env TALK_GATEWAY_TICKET_SECRET "$@"; }
conns=(--connection test-chat --connection test-audio-1 --connection test-audio-2)
ticket=$(mint "${conns[@]}")
other=$(mint --connection test-audio-2)
export TALK_UPLOADER_GATEWAY_URL="http://$GATEWAY_HTTP" TALK_UPLOADER_GATEWAY_TLS_URL="http://$GATEWAY_TLS_HTTP"
export TALK_UPLOADER_GATEWAY_OTHER_ORIGIN_URL="http://$GATEWAY_OTHER_HTTP"
export TALK_UPLOADER_GATEWAY_TICKET="$ticket"
export TALK_UPLOADER_GATEWAY_TICKET_EXPIRED=$(mint "${conns[@]}" --ttl -600)
export TALK_UPLOADER_GATEWAY_TICKET_WRONG_AUD=$(mint "${conns[@]}" --aud speechsense)
# The payload of another ticket under this one's signature.
export TALK_UPLOADER_GATEWAY_TICKET_TAMPERED="$(cut -d. -f1 <<<"$ticket").$(cut -d. -f2 <<<"$other").$(cut -d. -f3 <<<"$ticket")"
export TALK_UPLOADER_GATEWAY_TICKET_OTHER_CONNECTION="$other"
export TALK_UPLOADER_GATEWAY_TICKET_SMALL=$(mint "${conns[@]}" --max-bytes 100000)
echo "talk-gateway on http://$GATEWAY_HTTP (TLS upstream via http://$GATEWAY_TLS_HTTP), page origin $page_origin"

step "wire compatibility (Python grpcio, independent protos)"
.venv-wire/bin/python tests/wire/grpcio_upload_text.py "$DEVSERVER_HTTP" "$api_key"

step "wire compatibility (the wasm's hand protobuf encoder, parsed by Python protobuf)"
cargo run -q -p talk-uploader --example upload_text_frames | .venv-wire/bin/python tests/wire/hand_codec.py

step "wire compatibility (boto3 against the embedded S3)"
.venv-wire/bin/python devserver/tests/boto3_interop.py "$DEVSERVER_BIN"

# Compile-time settings of the browser tests (the browser cannot read the environment).
export TALK_UPLOADER_DEVSERVER_URL="http://$DEVSERVER_HTTP"
export TALK_UPLOADER_S3_URL="${DEVSERVER_S3:+http://$DEVSERVER_S3}"
export TALK_UPLOADER_TEST_API_KEY="$api_key" TALK_UPLOADER_TEST_IAM_TOKEN="$iam_token"
for name in FAULTY_503 FAULTY_RESET FAULTY_STALL SHORT_PRESIGN; do
  http="${name}_HTTP" s3="${name}_S3"
  export "TALK_UPLOADER_${name}_URL=http://${!http}" "TALK_UPLOADER_${name}_S3_URL=http://${!s3}"
done
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}

step "browser tests (headless Chromium)"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p talk-uploader --target wasm32-unknown-unknown --test 'browser_*' -- --nocapture

step "browser tests (headless Firefox ESR)"
env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" \
  cargo test -p talk-uploader --target wasm32-unknown-unknown --test 'browser_*' -- --nocapture

# The opt-in tonic-client feature (generated TalkServiceClient over tonic-web-wasm-client, for
# Rust front ends): one interop test, Chromium only; the npm build does not enable it.
step "browser test of the tonic-client feature (headless Chromium)"
env -u GECKODRIVER CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p talk-uploader --target wasm32-unknown-unknown --features tonic-client --test browser_grpc_text -- --nocapture

# Both browsers went through the TLS gateway (3 methods each); read that devserver over TLS.
tls_talks=$(curl -sf --cacert "$tmp/tls-cert.pem" "https://$TLS_DEV_HTTP/api/talks" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(JSON.parse(s).length)))')
[ "$tls_talks" -ge 6 ] || { echo "the TLS devserver stored $tls_talks talks through the gateway, expected >= 6" >&2; exit 1; }
echo "TLS upstream stored $tls_talks talks through the gateway"

step "package build"
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh

step "package in Node"
node --test tests/node/

# A deliberate panic needs a build with the test-only feature; a debug build of the crate alone
# (its wasm32 dependencies are already built by the browser tests), about 40 s.
step "panic containment (a real trap in a test-panic build)"
cargo build -p talk-uploader --target wasm32-unknown-unknown --lib --features test-panic
wasm-bindgen "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/debug/talk_uploader.wasm" \
  --out-dir "$tmp/pkg-panic" --target web
node js/short-names.mjs "$tmp/pkg-panic" talk_uploader # as the package is built
node js/make-entry.mjs "$tmp/pkg-panic"
TALK_UPLOADER_PANIC_PKG="$tmp/pkg-panic" node --test tests/node/panic.test.mjs

step "end to end: the demo page in headless Chromium"
node --test tests/e2e/

# The demo as `npm run demo` serves it: the page gets a demo-config.json naming talk-gateway and a
# ticket, and every flow goes through the gateway; the page never holds the API key.
step "end to end: the demo page through talk-gateway"
demo_gw_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')
cp -r www "$tmp/www-demo"
DEVSERVER_PREFIX=DEMO DEVSERVER_LOG="$tmp/demo.log" start_devserver "$tmp/demo" --api-key "$api_key" \
  --connection test-chat=chat --connection test-audio-1=audio-one-channel \
  --www-dir "$tmp/www-demo" --csp-connect-src "http://127.0.0.1:$demo_gw_port"
export TALK_DEMO_CREDENTIAL="Api-Key $api_key" TALK_DEMO_VELA_TOKEN="$api_key"
# The embedded S3's fixed development credentials: the gateway signs /s3/presign forms for it.
export TALK_DEMO_S3_ACCESS_KEY="devserver-access-key" TALK_DEMO_S3_SECRET_KEY="devserver-secret-key"
GATEWAY_PREFIX=DEMO_GW GATEWAY_LOG="$tmp/gateway-demo.log" start_gateway --listen "127.0.0.1:$demo_gw_port" \
  --upstream "http://$DEMO_HTTP" --allow-origin "http://$DEMO_HTTP" \
  --credential-env TALK_DEMO_CREDENTIAL --ticket-secret-env TALK_GATEWAY_TICKET_SECRET \
  --vela-upstream "http://$DEMO_HTTP" --vela-token-env TALK_DEMO_VELA_TOKEN \
  --s3-bucket-url "http://$DEMO_S3/talk-uploads" --s3-region us-east-1 \
  --s3-access-key-env TALK_DEMO_S3_ACCESS_KEY --s3-secret-key-env TALK_DEMO_S3_SECRET_KEY
demo_ticket=$(mint --connection test-chat --connection test-audio-1 --org-id demo-org --s3-prefix demo-org/ --max-bytes 3000000000)
printf '{ "gateway": { "endpoint": "http://%s", "velaBase": "http://%s/vela", "ticket": "%s" } }\n' \
  "$DEMO_GW_HTTP" "$DEMO_GW_HTTP" "$demo_ticket" >"$tmp/www-demo/demo-config.json"
TALK_UPLOADER_DEVSERVER_URL="http://$DEMO_HTTP" TALK_UPLOADER_DEMO_VIA_GATEWAY=1 node --test tests/e2e/demo.test.mjs

# The benches with tiny inputs (~30 s), so they cannot rot: each must run, and results.json must
# have every key of bench/results.schema.json. No figure is checked (noisy machines).
step "bench smoke run (results.json schema-checked, no timing asserted)"
# The build itself as the "previous" one, so the same-page A/B path of the validation bench runs too.
BENCH_SMOKE=1 BENCH_SKIP_BUILD=1 BENCH_OUT="$tmp/bench" BENCH_PREVIOUS_PKG=pkg BENCH_PREVIOUS_NAME="this build" bash scripts/bench.sh

if [ -f tests/types/tsconfig.json ]; then
  step "TypeScript consumer (tsc --noEmit --strict)"
  node_modules/.bin/tsc -p tests/types/tsconfig.json
fi

# Last, so that every other tier has run and reported even when an entry grew past its ceiling.
step "size guard (each entry's .wasm + glue, gzip, against its ceiling; issue 9's targets printed)"
node --test tests/size/

stop_all_devservers
echo
echo "all tiers passed in $(( $(date +%s) - started )) s"
