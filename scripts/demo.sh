#!/usr/bin/env bash
# Builds the package and the devserver, then serves the demo page with the embedded S3 server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/bootstrap.sh
TALK_UPLOADER_SKIP_BOOTSTRAP=1 bash scripts/build.sh
cargo build -p devserver --profile server
exec target/server/devserver --data-dir .devserver-data "$@"
