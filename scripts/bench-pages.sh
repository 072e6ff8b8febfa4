#!/usr/bin/env bash
# Page benchmark (benches/pages.rs): builds the release binary and site (precompressed, as
# served), then measures server render latency of the dashboard pages and the bytes a first
# visit to /calendar transfers. SKIP_BUILD=1 measures the last release build as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ "${SKIP_BUILD:-}" != 1 ]; then
  scripts/build-release.sh
fi
cargo bench --bench pages
