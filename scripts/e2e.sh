#!/usr/bin/env bash
# Starts the release binary on a free port with a fresh SQLite database and runs the
# Playwright suite against it. Screenshots land in end2end/output/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

data_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export E2E_BASE_URL="http://127.0.0.1:${port}"
# The demo marketer (Pro, three sandbox accounts, New York) is who the scheduling tests use.
POSTPILOT_DATABASE_DATA_DIR="$data_dir" "$POSTPILOT_BIN" seed-demo > "$data_dir/seed.log" 2>&1 \
  || { cat "$data_dir/seed.log"; exit 1; }
# The admin the console tests sign in as.
POSTPILOT_DATABASE_DATA_DIR="$data_dir" POSTPILOT_ADMIN_PASSWORD="postpilot-admin" \
  "$POSTPILOT_BIN" create-admin --email admin@postpilot.app >> "$data_dir/seed.log" 2>&1 \
  || { cat "$data_dir/seed.log"; exit 1; }
# Metrics every 5 s (the analytics journey waits for them) and product pages on this machine
# (the queue imports one the test serves).
POSTPILOT_SCHEDULER_METRICS_CRON="*/5 * * * * *" \
POSTPILOT_INTEGRATIONS_IMPORT_ALLOW_PRIVATE_HOSTS=true \
POSTPILOT_SERVER_ADDR="127.0.0.1:${port}" \
POSTPILOT_SERVER_PUBLIC_URL="$E2E_BASE_URL" \
POSTPILOT_DATABASE_DATA_DIR="$data_dir" \
  "$POSTPILOT_BIN" serve > "$data_dir/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data_dir"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$E2E_BASE_URL/health" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$data_dir/server.log"
    echo "the server exited before answering /health" >&2
    exit 1
  fi
  sleep 0.1
done

rm -rf end2end/output
if ! npx playwright test --config end2end/playwright.config.ts "$@"; then
  echo "--- server log ---"
  tail -n 50 "$data_dir/server.log"
  exit 1
fi
