#!/usr/bin/env bash
# Builds the package, the devserver and talk-gateway, then serves the demo page the way
# production works: the page talks to talk-gateway with an upload ticket minted here (as an
# application's backend would), and only the gateway holds the devserver's API key.
#   npm run demo              # through the gateway (default)
#   npm run demo -- --direct  # the page talks to the devserver itself, with the demo API key
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh
target_dir=${CARGO_TARGET_DIR:-target}
if [ "${1:-}" = "--direct" ]; then
  shift
  cargo build -p devserver --profile server
  exec "$target_dir/server/devserver" --data-dir .devserver-data "$@"
fi
cargo build -p devserver -p talk-gateway --profile server
source scripts/lib.sh
export DEVSERVER_BIN="$target_dir/server/devserver" GATEWAY_BIN="$target_dir/server/talk-gateway"

data=.devserver-data
mkdir -p "$data"
page=${DEMO_PORT:-8787} gw=${DEMO_GATEWAY_PORT:-8790}
# The demo page and a config naming the gateway and the ticket; a copy, so www/ stays as committed.
www="$data/www-demo"
rm -rf "$www" && cp -r www "$www"
# A really spoken WAV for the "Spoken WAV" samples (espeak-ng + sox, from Debian:
# apt-get install -y espeak-ng sox). Without them the page makes a voice-like WAV itself.
samples='{}'
if command -v espeak-ng >/dev/null && command -v sox >/dev/null; then
  mkdir -p "$www/samples"
  if espeak-ng -v en-us -s 150 -w "$data/spoken-raw.wav" \
       "Hello, this is a test call. My order has not arrived yet. Could you check it, please?" \
     && sox "$data/spoken-raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$www/samples/spoken.wav"; then
    samples='{ "spokenWav": "samples/spoken.wav" }'
  fi
else
  echo "espeak-ng or sox missing: the demo's spoken WAV sample is synthesized in the page instead" >&2
fi

# Secrets of this run: the gateway reads them from its environment, never from arguments.
export DEMO_GATEWAY_CREDENTIAL="Api-Key demo-api-key" DEMO_VELA_TOKEN="demo-api-key"
export DEMO_TICKET_SECRET="demo-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
# The embedded S3's fixed development credentials (devserver --help): the gateway signs the
# batch and Labelbox uploads for it, as it would for the operator's own bucket.
export DEMO_S3_ACCESS_KEY="devserver-access-key" DEMO_S3_SECRET_KEY="devserver-secret-key"

cleanup() { stop_all_gateways; stop_all_devservers; }
trap cleanup EXIT INT TERM
DEVSERVER_LOG="$data/devserver.log" start_devserver "$data" --listen "127.0.0.1:$page" --s3-listen "127.0.0.1:${DEMO_S3_PORT:-8788}" \
  --www-dir "$www" --csp-connect-src "http://127.0.0.1:$gw"
GATEWAY_LOG="$data/gateway.log" start_gateway --listen "127.0.0.1:$gw" \
  --upstream "http://$DEVSERVER_HTTP" --allow-origin "http://127.0.0.1:$page" \
  --credential-env DEMO_GATEWAY_CREDENTIAL --ticket-secret-env DEMO_TICKET_SECRET \
  --vela-upstream "http://$DEVSERVER_HTTP" --vela-token-env DEMO_VELA_TOKEN \
  --s3-bucket-url "http://$DEVSERVER_S3/talk-uploads" --s3-region us-east-1 \
  --s3-access-key-env DEMO_S3_ACCESS_KEY --s3-secret-key-env DEMO_S3_SECRET_KEY

# What the application's backend does after it has authenticated its user: mint a short-lived
# ticket for the connections and the Vela org this user may upload to. Renewed every 30 min.
write_config() {
  local ticket
  ticket=$("$GATEWAY_BIN" mint-ticket --secret-env DEMO_TICKET_SECRET --ttl 3600 \
    --connection demo-chat --connection demo-audio-1 --connection demo-audio-2 --org-id demo-org \
    --s3-prefix demo-org/ --max-bytes 3000000000)
  printf '{ "gateway": { "endpoint": "http://%s", "velaBase": "http://%s/vela", "ticket": "%s" }, "samples": %s }\n' \
    "$GATEWAY_HTTP" "$GATEWAY_HTTP" "$ticket" "$samples" >"$www/demo-config.json.tmp"
  mv "$www/demo-config.json.tmp" "$www/demo-config.json"
}
write_config
( while sleep 1800; do write_config; done ) &
renew_pid=$!
trap 'kill $renew_pid 2>/dev/null || true; cleanup' EXIT INT TERM

echo "demo page:    http://$DEVSERVER_HTTP/   (no API key on the page: it holds an upload ticket)"
echo "talk-gateway: http://$GATEWAY_HTTP -> devserver http://$DEVSERVER_HTTP (log: $data/gateway.log)"
echo "embedded S3:  http://$DEVSERVER_S3/"
echo "Ctrl-C stops everything."
wait "$DEVSERVER_PID"
