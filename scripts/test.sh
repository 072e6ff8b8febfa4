#!/usr/bin/env bash
# Every check PostPilot has, in the order a failure is cheapest to find:
# formatting, clippy (server and browser builds), all Rust tests on SQLite, the database tests
# again on PostgreSQL when TEST_DATABASE_URL is set (the crash test among them: three real
# processes, one killed), then against a release build: the browser suite (Playwright in
# Debian's Chromium), Lighthouse on the marketing pages, a journey with a Python client
# generated from the live OpenAPI document, and a short schemathesis fuzzing run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser --only checks
# The release build's tools (cargo-leptos builds for about 15 minutes when missing) install
# beside the Rust checks, which do not use them; the release build waits for them. In a
# process group of their own, stopped with this script if it ends first.
release_tools_log=$(mktemp)
setsid scripts/setup.sh --only release >"$release_tools_log" 2>&1 &
release_tools=$!
trap 'kill -- -"$release_tools" 2>/dev/null || true; rm -f "$release_tools_log"' EXIT
source scripts/env.sh
# The media tests' S3 API (moto, installed by setup.sh); they fail without it.
source scripts/lib/python-tools.sh
POSTPILOT_MOTO_SERVER="$(python_tool "moto[server]" "$MOTO_VERSION")/bin/moto_server"
export POSTPILOT_MOTO_SERVER

step() { printf '\n\033[1;35m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy: server (ssr) and every test target"
cargo clippy --workspace --all-targets -- -D warnings
step "clippy: browser (hydrate, wasm32)"
cargo clippy -p app --lib --target wasm32-unknown-unknown --features hydrate -- -D warnings

step "Rust tests on SQLite"
env -u TEST_DATABASE_URL cargo test --workspace

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  step "database tests on PostgreSQL (${TEST_DATABASE_URL%%@*}@…)"
  cargo test --workspace
else
  step "PostgreSQL suite skipped: TEST_DATABASE_URL is not set"
fi

step "release build (server + wasm + css)"
release_tools_ok=true
wait "$release_tools" || release_tools_ok=false
cat "$release_tools_log"
$release_tools_ok || { echo "installing the release build's tools failed" >&2; exit 1; }
scripts/build-release.sh

step "browser tests (Playwright, Chromium) against the release binary"
scripts/e2e.sh

step "Lighthouse (mobile) on the landing and pricing pages against the release binary"
scripts/lighthouse.sh

step "generated Python client journey (openapi-python-client) against the release binary"
scripts/client-journey.sh

step "API fuzzing (schemathesis, 10 examples per operation) against the release binary"
scripts/fuzz.sh --max-examples 10

echo
echo "All checks passed in $(( $(date +%s) - started )) s."
