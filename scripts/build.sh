#!/usr/bin/env bash
# Builds the npm package into pkg/ (main entry) and pkg/validate/ (talk-uploader/validate):
# release wasm (size profile) and wasm-bindgen --target web through wasm-pack (offline:
# --mode no-install --no-opt), then wasm-opt -O1 and three size passes from npm's binaryen.
# Prints each entry's raw / gzip / brotli sizes, its glue as esbuild bundles and minifies it, and
# its total against its target and ceiling.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
[ "${TALK_UPLOADER_SKIP_BOOTSTRAP:-0}" = 1 ] || bash scripts/bootstrap.sh

rm -rf pkg
# Two modules from one crate: the main entry (pkg/, every API) and talk-uploader/validate
# (pkg/validate/: validate, convertChat and sniffAudio, built without the `upload` feature).
command -v wasm-pack >/dev/null || {
  echo "build.sh needs wasm-pack (scripts/bootstrap.sh installs it: cargo install --locked wasm-pack --version 0.15.1)" >&2
  exit 1
}
build_entry() { # <out dir> <out name> [cargo args...]
  local out=$1 name=$2; shift 2
  # The design's build. --mode no-install uses the pinned wasm-bindgen CLI from PATH instead of
  # downloading one, --no-opt skips wasm-pack's own binaryen download (npm's wasm-opt runs
  # below), --no-pack leaves package.json to the repository root.
  wasm-pack build --target web --mode no-install --no-opt --no-pack --release \
    --out-dir "$out" --out-name "$name" . -- -p talk-uploader "$@"
  # -O1, not -Oz: chosen by measured transfer size, not by name. On this crate -O1's output is
  # ~6 % larger raw but 7.4 KiB smaller gzipped and 5.2 KiB smaller with brotli (measured on
  # e6a3d95; -Os, --converge and --gufa did no better): -Oz's passes undo patterns that compress
  # well. Re-measured on 373a532: -O1 still beats -O2/-Os/-Oz by 5.5-5.8 KiB of gzip; of -Os's
  # passes, three help after -O1 (code folding, duplicate function elimination, dead argument
  # elimination): main -1.4 KB gzip / -0.5 KB brotli, validate -1.0 / -0.5 KB; others
  # (--local-cse, --reorder-functions, --merge-similar-functions) made gzip larger.
  # rustc 1.95 emits these features; wasm-opt rejects the module unless told they are
  # allowed. --strip-debug / --strip-producers / --strip-target-features drop the name, producers
  # and target_features sections: no browser reads them (the last one: validate -133 B gzip).
  # Then --rse (redundant set elimination) and a second -O1 over what the first round left:
  # re-measured on 951a67b, validate -322 B / main -878 B gzip (brotli -338 / -314). Before them,
  # binaryen's inliner for functions with a single caller of at most 20 instructions (-O1 runs no
  # inlining): validate -395 B / main -722 B gzip, brotli -308 / -801 (measured on 8970dad; 10 and
  # 30 saved less; with no size limit gzip grew by 1.7 KB). Flattening and rereloop on top saved ~200 B more on validate only, and restructure the hot loops: not taken.
  node_modules/.bin/wasm-opt -O1 --code-folding --duplicate-function-elimination --dae-optimizing \
    --one-caller-inline-max-function-size=20 --inlining-optimizing \
    --rse -O1 \
    --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  rm -f "$out/.gitignore"
  # The functions in an order that gzips smaller (js/order-functions.mjs: a seeded local search
  # scored by deflate; wasm-opt applies it). Measured on 2f64f2b: validate -457 B, main -1,291 B
  # of gzip, for ~25 s (validate) and ~50 s (main) of one core.
  node js/order-functions.mjs "$out/${name}_bg.wasm"
  # Short import and export names (module "w", imports "a", "b", ...) in the .wasm and its glue:
  # wasm-bindgen's `__wbg_<name>_<16 hex>` names are written in both and barely compress
  # (js/short-names.mjs; main -3.8 KB, validate -1.7 KB of gzip).
  node js/short-names.mjs "$out" "$name"
  # The entry: the glue with every export guarded against panics (js/guard.js,
  # src/bindings/panic.rs), generated from the glue's own exports.
  node js/make-entry.mjs "$out" "$name"
}
build_entry pkg talk_uploader
build_entry pkg/validate talk_uploader_validate --no-default-features

# Raw / gzip / brotli of each entry's .wasm and of its glue as bundled by esbuild, and each
# entry's total against issue 9's target and its ceiling (tests/size/size.test.mjs enforces the
# ceilings).
node scripts/size.mjs

# ---- talk-uploader/widget (issue 11): <talk-uploader-drop>, plain JS + CSS, into pkg/widget/ ----
node js/widget/build.mjs pkg
wmin=$(mktemp --suffix .js)
# The widget alone, as a bundler adds it to an app that already has the main entry.
node_modules/.bin/esbuild --bundle --format=esm --minify --log-level=warning --external:../index.js pkg/widget/index.js >"$wmin"
printf 'widget min (esbuild): raw %d  gzip %d\n' "$(wc -c <"$wmin")" "$(gzip -9c "$wmin" | wc -c)"
rm -f "$wmin"
