#!/usr/bin/env bash
# Builds PostPilot (release) and runs it on SQLite with the demo account available.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build-release.sh
"$POSTPILOT_BIN" seed-demo
exec "$POSTPILOT_BIN" serve "$@"
