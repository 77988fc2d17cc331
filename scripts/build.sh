#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm (size profile), wasm-bindgen --target web, then
# wasm-opt -Oz from npm's binaryen. Prints raw / gzip / brotli sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ "${TALK_UPLOADER_SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh

cargo build -p talk-uploader --release --target wasm32-unknown-unknown
rm -rf pkg
wasm-bindgen target/wasm32-unknown-unknown/release/talk_uploader.wasm \
  --out-dir pkg --target web --typescript \
  --remove-name-section --remove-producers-section
# rustc 1.95 emits these features; wasm-opt rejects the module unless told they are allowed.
node_modules/.bin/wasm-opt -Oz \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  pkg/talk_uploader_bg.wasm -o pkg/talk_uploader_bg.wasm
rm -f pkg/.gitignore

size_line() {
  local f=$1
  printf '%-28s raw %8d  gzip %8d  brotli %8s\n' "$(basename "$f")" "$(wc -c <"$f")" "$(gzip -9c "$f" | wc -c)" \
    "$(if command -v brotli >/dev/null; then brotli -c -q 11 "$f" | wc -c; else node -e 'const z=require("zlib");process.stdout.write(String(z.brotliCompressSync(require("fs").readFileSync(process.argv[1])).length))' "$f"; fi)"
}
echo "pkg/ sizes (bytes):"
for f in pkg/talk_uploader_bg.wasm pkg/talk_uploader.js pkg/talk_uploader.d.ts; do size_line "$f"; done
