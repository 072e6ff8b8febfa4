#!/usr/bin/env bash
# The release build as it is served: server, wasm, JS and CSS (cargo-leptos), with a `.br`
# and a `.gz` beside every file of the site. cargo-leptos's --precompress writes both, but its
# gzip is weak (the wasm: 391 KB against 339 KB from `gzip -9`), so the `.gz` files are written
# again with gzip -9; files that are compressed already (fonts, images) keep no variants,
# which would only be larger. The server sends the variants as they are (src/startup.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# cargo-leptos takes LEPTOS_SITE_ROOT over Cargo.toml; the server reads POSTPILOT_SERVER_SITE_ROOT.
site="${LEPTOS_SITE_ROOT:-$POSTPILOT_SERVER_SITE_ROOT}"
# Not `--split` (Leptos lazy routes): with wasm-bindgen 0.2.130 a split build's JS imports the
# unresolved module "__wbindgen_externref_xform__" and no page hydrates. A split build's
# leftovers would be preloaded by the server (it reads their manifest): they go first.
rm -f "$site"/pkg/__wasm_split* "$site"/pkg/chunk_*.wasm* "$site"/pkg/split_*.wasm*
cargo leptos build --release --precompress "$@"
# The local fakes of Stripe, Meta and TikTok the browser suite's integrations server talks to.
cargo build --release --example fakes
find "$site" -type f \( -name '*.woff2.*' -o -name '*.woff.*' -o -name '*.png.*' \
  -o -name '*.jpg.*' -o -name '*.jpeg.*' -o -name '*.webp.*' -o -name '*.avif.*' \
  -o -name '*.gif.*' -o -name '.gitkeep.*' \) \( -name '*.br' -o -name '*.gz' \) -delete
find "$site" -type f -name '*.gz' -print0 | while IFS= read -r -d '' packed; do
  gzip -9 -n -c "${packed%.gz}" > "$packed"
done
# The marketing pages' own stylesheet (the server inlines it into / and /pricing): tailwind
# again, over those pages' sources only.
tailwindcss --input style/marketing.css --output "$site/pkg/marketing.css" --minify
echo "site with precompressed files: $site"
