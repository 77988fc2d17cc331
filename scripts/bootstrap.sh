#!/usr/bin/env bash
# Installs what a bare machine lacks, and nothing else. Safe to run again: each step checks first.
#   - the wasm32-unknown-unknown Rust target
#   - wasm-bindgen-cli at exactly the crate's locked wasm-bindgen version
#   - wasm-pack 0.15.1 (scripts/build.sh builds both entries through it)
#   - Debian's chromium + chromium-driver (never a downloaded browser)
#   - the npm devDependencies, through `npm ci`
#   - Debian's firefox-esr and geckodriver from crates.io (the browser tests run in both browsers)
#   - Debian's espeak-ng + sox (the demo's spoken WAV sample)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the library byte for byte in its schema version: read the locked version.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if [ -z "$wb_version" ]; then say "cannot read wasm-bindgen's version from Cargo.lock"; exit 1; fi
if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$wb_version" ] \
   || ! command -v wasm-bindgen-test-runner >/dev/null; then
  say "installing wasm-bindgen-cli $wb_version"
  # --locked first, as it should be. The CLI's own lockfile names a webpki-roots release that the
  # registry no longer serves, so fall back to a fresh resolution of the same CLI version.
  cargo install --locked --version "$wb_version" wasm-bindgen-cli \
    || cargo install --force --version "$wb_version" wasm-bindgen-cli
fi

# build.sh runs `wasm-pack build --mode no-install --no-opt`: it uses the wasm-bindgen CLI above
# and npm's wasm-opt, so it downloads nothing at build time.
if ! command -v wasm-pack >/dev/null; then
  say "installing wasm-pack 0.15.1"
  cargo install --locked wasm-pack --version 0.15.1
fi

apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
command -v firefox-esr >/dev/null || apt_missing+=(firefox-esr)
# The demo's spoken WAV sample and the e2e tier's real speech upload (scripts/demo.sh, issue 11).
command -v espeak-ng >/dev/null || apt_missing+=(espeak-ng)
command -v sox >/dev/null || apt_missing+=(sox)
if [ ${#apt_missing[@]} -gt 0 ]; then
  say "installing ${apt_missing[*]} from Debian"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
if ! command -v geckodriver >/dev/null; then
  say "installing geckodriver from crates.io"
  cargo install --locked geckodriver || cargo install --force geckodriver
fi

# The wire-compatibility check runs a Python grpcio client from PyPI, in a private venv.
if ! .venv-wire/bin/python -c 'import grpc, grpc_tools' 2>/dev/null \
   || ! cmp -s tests/wire/requirements.txt .venv-wire/requirements.txt; then
  say "installing grpcio + grpcio-tools into .venv-wire"
  python3 -m venv .venv-wire
  .venv-wire/bin/pip install -q --disable-pip-version-check -r tests/wire/requirements.txt
  cp tests/wire/requirements.txt .venv-wire/requirements.txt
fi

# npm ci is the reproducible install; skip it when node_modules was made from this very lockfile.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.talk-uploader-lock 2>/dev/null)" != "$lock_sum" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.talk-uploader-lock
fi
