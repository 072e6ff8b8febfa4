#!/usr/bin/env bash
# The crash test at full size: three real `postpilot serve` processes (release build) on one
# PostgreSQL database, 5,000 posts due at once, a platform that counts what it receives, and
# one process killed with SIGKILL while it holds claimed posts. Prints published, duplicates,
# lost and the worst lateness; fails unless all are published once, within 15 s of their time.
# Usage: scripts/crash-test.sh [POSTS]   (the test suite runs the same test with 500 posts)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
posts="${1:-5000}"
if [ ! -x "$POSTPILOT_BIN" ]; then
  echo "no release binary at $POSTPILOT_BIN: run scripts/build-release.sh first" >&2
  exit 1
fi
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
CRASH_POSTS="$posts" CRASH_BIN="$POSTPILOT_BIN" \
  cargo test --test api crash:: -- --nocapture --test-threads 1
