#!/usr/bin/env bash
# Starts the release binary on a free port with a fresh SQLite database and runs the
# Playwright suite against it. Screenshots land in end2end/output/ (not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

data_dir=$(mktemp -d)
live_dir=$(mktemp -d)
server="" live_server="" fakes=""
cleanup() {
  for pid in $server $live_server $fakes; do kill "$pid" 2>/dev/null || true; done
  for pid in $server $live_server $fakes; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$data_dir" "$live_dir"
}
trap cleanup EXIT

# Waits (10 s at most) until `$2` succeeds; fails with `$3`'s log if process `$1` exits first
# or time runs out.
wait_for() {
  local pid=$1 check=$2 log=$3
  for _ in $(seq 1 100); do
    eval "$check" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log"
      echo "exited before: $check" >&2
      exit 1
    fi
    sleep 0.1
  done
  cat "$log"
  echo "timed out waiting for: $check" >&2
  exit 1
}

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

# The integrations suite's server: the same binary with Stripe and Facebook Login set up,
# pointed at the local fakes (examples/fakes.rs), on a database of its own.
live_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export E2E_LIVE_URL="http://127.0.0.1:${live_port}"
"$(dirname "$POSTPILOT_BIN")/examples/fakes" \
  --webhook "$E2E_LIVE_URL/api/v1/webhooks/stripe" --webhook-secret whsec_e2e \
  > "$live_dir/fakes.json" 2> "$live_dir/fakes.log" &
fakes=$!
wait_for "$fakes" '[ -s "$live_dir/fakes.json" ]' "$live_dir/fakes.log"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d and all(str(v) for v in d.values()) else 1)" \
  "$live_dir/fakes.json" || { cat "$live_dir/fakes.json"; echo "the fakes gave an empty setting" >&2; exit 1; }
# One address or credential of the fakes.
fake() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$live_dir/fakes.json" "$1"; }
E2E_FAKES_CONTROL=$(fake control)
export E2E_FAKES_CONTROL
live_env=(
  POSTPILOT_SERVER_ADDR="127.0.0.1:${live_port}"
  POSTPILOT_SERVER_PUBLIC_URL="$E2E_LIVE_URL"
  POSTPILOT_DATABASE_DATA_DIR="$live_dir"
  POSTPILOT_PLATFORMS_META_GRAPH_URL="$(fake graph)"
  POSTPILOT_PLATFORMS_META_OAUTH_URL="$(fake meta_oauth)"
  POSTPILOT_PLATFORMS_META_APP_ID="$(fake meta_app_id)"
  POSTPILOT_PLATFORMS_META_APP_SECRET="$(fake meta_app_secret)"
  POSTPILOT_BILLING_STRIPE_API_URL="$(fake stripe)"
  POSTPILOT_BILLING_STRIPE_CHECKOUT_ORIGIN="$(fake stripe)"
  POSTPILOT_BILLING_STRIPE_SECRET_KEY="$(fake stripe_key)"
  POSTPILOT_BILLING_STRIPE_WEBHOOK_SECRET=whsec_e2e
  POSTPILOT_BILLING_STRIPE_PRO_PRICE_ID="$(fake pro_price)"
  POSTPILOT_BILLING_STRIPE_ENTERPRISE_PRICE_ID="$(fake enterprise_price)"
)
env "${live_env[@]}" "$POSTPILOT_BIN" serve > "$live_dir/server.log" 2>&1 &
live_server=$!

wait_for "$server" 'curl -fsS "$E2E_BASE_URL/health" >/dev/null 2>&1' "$data_dir/server.log"
wait_for "$live_server" 'curl -fsS "$E2E_LIVE_URL/health" >/dev/null 2>&1' "$live_dir/server.log"

rm -rf end2end/output
if ! npx playwright test --config end2end/playwright.config.ts "$@"; then
  echo "--- server log ---"
  tail -n 50 "$data_dir/server.log"
  echo "--- integrations server log ---"
  tail -n 50 "$live_dir/server.log"
  exit 1
fi
