#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm (size profile) and wasm-bindgen --target web
# through wasm-pack (offline: --mode no-install --no-opt), then wasm-opt -O1 from npm's binaryen. Prints raw / gzip / brotli sizes, and the glue minified with
# esbuild (what a bundler ships), and the main entry's total: .wasm gzip + glue min+gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ "${TALK_UPLOADER_SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh

rm -rf pkg
if command -v wasm-pack >/dev/null; then
  # The design's build. --mode no-install uses the pinned wasm-bindgen CLI from PATH instead of
  # downloading one, --no-opt skips wasm-pack's own binaryen download (npm's wasm-opt runs
  # below), --no-pack leaves package.json to the repository root.
  wasm-pack build --target web --mode no-install --no-opt --no-pack --release \
    --out-dir pkg --out-name talk_uploader . -- -p talk-uploader
else
  # The same steps by hand, for machines without wasm-pack (`cargo install --locked wasm-pack`).
  cargo build -p talk-uploader --release --target wasm32-unknown-unknown
  wasm-bindgen "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/talk_uploader.wasm" \
    --out-dir pkg --target web --typescript
fi
# -O1, not -Oz: chosen by measured transfer size, not by name. On this crate -O1's output is ~6 %
# larger raw but 7.4 KiB smaller gzipped and 5.2 KiB smaller with brotli (measured on e6a3d95;
# -Os, --converge and --gufa did no better): -Oz's passes undo patterns that compress well.
# rustc 1.95 emits these features; wasm-opt rejects the module unless told they are allowed.
# --strip-debug / --strip-producers drop the name and producers sections (not shipped).
node_modules/.bin/wasm-opt -O1 --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  pkg/talk_uploader_bg.wasm -o pkg/talk_uploader_bg.wasm
rm -f pkg/.gitignore
# The package's entry: the glue with every export guarded against panics (js/guard.js,
# src/bindings/panic.rs), generated from the glue's own exports.
node js/make-entry.mjs pkg

brotli_size() {
  if command -v brotli >/dev/null; then brotli -c -q 11 "$1" | wc -c
  else node -e 'const z=require("zlib");process.stdout.write(String(z.brotliCompressSync(require("fs").readFileSync(process.argv[1])).length))' "$1"; fi
}
size_line() {
  local f=$1 name=${2:-$(basename "$1")}
  printf '%-28s raw %8d  gzip %8d  brotli %8s\n' "$name" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)" "$(brotli_size "$f")"
}
# The glue as a bundler ships it: the entry and everything it imports, minified.
min=$(mktemp --suffix .js)
entry=pkg/index.js; [ -f "$entry" ] || entry=pkg/talk_uploader.js
node_modules/.bin/esbuild --bundle --format=esm --minify --log-level=warning "$entry" >"$min"
echo "pkg/ sizes (bytes):"
for f in pkg/talk_uploader_bg.wasm pkg/talk_uploader.js pkg/talk_uploader.d.ts; do size_line "$f"; done
size_line "$min" "glue bundled (esbuild)"
printf 'main entry (wasm gzip + glue min+gzip): %d bytes\n' "$(( $(gzip -9c pkg/talk_uploader_bg.wasm | wc -c) + $(gzip -9c "$min" | wc -c) ))"
rm -f "$min"

# ---- talk-uploader/widget (issue 11): <talk-uploader-drop>, plain JS + CSS, into pkg/widget/ ----
node js/widget/build.mjs pkg
wmin=$(mktemp --suffix .js)
# The widget alone, as a bundler adds it to an app that already has the main entry.
node_modules/.bin/esbuild --bundle --format=esm --minify --log-level=warning --external:../index.js pkg/widget/index.js >"$wmin"
size_line "$wmin" "widget min (esbuild)"
rm -f "$wmin"
