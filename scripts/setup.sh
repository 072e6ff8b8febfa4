#!/usr/bin/env bash
# Installs what building, running and testing PostPilot need, skipping what is already there:
# the wasm target, cargo-leptos 0.3.5, the wasm-bindgen CLI that matches Cargo.lock, the npm
# packages (tailwind, wasm-opt, fonts, Playwright), the PyPI tools of the OpenAPI checks and
# the S3 tests (moto), and, with --browser, Debian's Chromium.
# Everything comes from crates.io, npm, PyPI and Debian (see ../shared/toolchain.md).
#
#   --only checks    what clippy, the Rust tests and the browser need (the target, npm, PyPI,
#                    Chromium): a minute or two
#   --only release   what the release build adds (cargo-leptos, the wasm-bindgen CLI): about
#                    15 minutes when missing, so scripts/test.sh runs it beside the Rust checks
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
part=all
while [ $# -gt 0 ]; do
  case "$1" in
    --browser) want_browser=true ;;
    --only) part="${2:-}"; [ $# -gt 1 ] && shift ;;
    *) part=usage ;;
  esac
  shift
done
case "$part" in
  all | checks | release) ;;
  *) echo "usage: $0 [--browser] [--only checks|release]" >&2; exit 2 ;;
esac
wants() { [ "$part" = all ] || [ "$part" = "$1" ]; }

say() { printf '\033[1;35m==>\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if wants release && ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.5'; then
  say "installing cargo-leptos 0.3.5 (about 13 minutes on 2 cores, once)"
  cargo install cargo-leptos --version 0.3.5 --locked
fi

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if wants release && ! wasm-bindgen --version 2>/dev/null | grep -q " ${wasm_bindgen_version}\$"; then
  say "installing wasm-bindgen-cli ${wasm_bindgen_version} (matches Cargo.lock)"
  cargo install wasm-bindgen-cli --version "${wasm_bindgen_version}" --force
fi

wants checks || exit 0

if $want_browser && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's Chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
fi

if [ ! -x node_modules/.bin/tailwindcss ] || [ ! -x node_modules/.bin/wasm-opt ] \
   || [ ! -x node_modules/.bin/lighthouse ] \
   || [ ! -d node_modules/swagger-ui-dist ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # Not `npm ci`: npm 11 calls the lock "out of sync" when it lacks tailwind's optional
  # packages for other platforms. `install --no-save` installs the locked versions and
  # leaves package-lock.json untouched.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-save --no-audit --no-fund
fi

# Self-hosted fonts, copied from their npm packages (no CDN).
mkdir -p public/fonts
for font in node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2 \
            node_modules/@fontsource-variable/plus-jakarta-sans/files/plus-jakarta-sans-latin-wght-normal.woff2; do
  target="public/fonts/$(basename "$font")"
  [ -f "$target" ] || cp "$font" "$target"
done

# Swagger UI for /docs, copied from its npm package (served by the binary, no CDN).
mkdir -p public/docs-assets
for asset in swagger-ui-bundle.js swagger-ui.css; do
  [ public/docs-assets/$asset -nt node_modules/swagger-ui-dist/package.json ] \
    || cp node_modules/swagger-ui-dist/$asset public/docs-assets/$asset
done

# The OpenAPI document's validator (used by the tests).
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  say "installing openapi-spec-validator (PyPI) for the OpenAPI test"
  python3 -m pip install --quiet --disable-pip-version-check openapi-spec-validator
fi

# The generated-client journey's, the fuzzer's and the S3 tests' PyPI tools (pinned, a
# virtualenv each).
source scripts/lib/python-tools.sh
python_tool openapi-python-client "$OPENAPI_PYTHON_CLIENT_VERSION" >/dev/null
python_tool schemathesis "$SCHEMATHESIS_VERSION" >/dev/null
python_tool "moto[server]" "$MOTO_VERSION" >/dev/null
