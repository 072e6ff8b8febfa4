#!/usr/bin/env bash
# Prints the time from process start to the first 200 on /health, for the release binary,
# on a fresh SQLite database (first start: creates and migrates it) and again on the same one.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for run in fresh-database existing-database; do
  start=$(date +%s%N)
  POSTPILOT_SERVER_ADDR="127.0.0.1:$port" POSTPILOT_DATABASE_DATA_DIR="$data_dir" \
    "$POSTPILOT_BIN" serve >/dev/null 2>&1 &
  pid=$!
  until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.002; done
  end=$(date +%s%N)
  echo "$run: first 200 on /health after $(( (end - start) / 1000000 )) ms"
  kill -TERM "$pid"; wait "$pid" || true
done
