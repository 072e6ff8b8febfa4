#!/usr/bin/env bash
# Crash test of exactly-once publishing: three real `postpilot serve` processes (scheduler on)
# over one fresh PostgreSQL database, a Facebook account whose Graph API is a local fake that
# counts every post it receives, N posts due at the same moment, and one process killed with
# SIGKILL while it holds posts. Prints published, duplicates, lost and the maximum lateness;
# exits non-zero unless all N are published once each, none lost, and the latest < 15 s late.
#
# Usage: scripts/crash-test.sh [N]   (default 5000; CI runs 500)
# Needs: PostgreSQL at $CRASH_PG (default postgres://postgres@127.0.0.1:5432), psql, python3
# with `cryptography` (to seal the account's token as the app's vault does). Uses
# $POSTPILOT_BIN if set, else target/debug/postpilot.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-5000}"
PG="${CRASH_PG:-postgres://postgres@127.0.0.1:5432}"
BIN="${POSTPILOT_BIN:-target/debug/postpilot}"
[ -x "$BIN" ] || { echo "no postpilot binary at $BIN (cargo build --bin postpilot)" >&2; exit 2; }
DB="crash_$$"
WORK="$(mktemp -d)"
KEY="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
JWT="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FAKE_PORT="$(free_port)"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
sql() { psql -qtA "$PG/$DB" -c "$1"; }

psql -q "$PG/postgres" -c "CREATE DATABASE \"$DB\"" >/dev/null
export DATABASE_URL="$PG/$DB"
export POSTPILOT_AUTH_JWT_SECRET="$JWT"
export POSTPILOT_PLATFORMS_TOKEN_ENCRYPTION_KEY="$KEY"
export POSTPILOT_PLATFORMS_META_GRAPH_URL="http://127.0.0.1:$FAKE_PORT/graph"
export POSTPILOT_LOG_FILTER="${POSTPILOT_LOG_FILTER:-warn}"
"$BIN" migrate >"$WORK/migrate.log" 2>&1

python3 scripts/crash_fake_platform.py "$FAKE_PORT" &
PIDS+=($!)

declare -A SERVE
PORTS=()
for i in 1 2 3; do
  port="$(free_port)"
  PORTS+=("$port")
  mkdir -p "$WORK/data$i"
  POSTPILOT_SERVER_ADDR="127.0.0.1:$port" POSTPILOT_DATABASE_DATA_DIR="$WORK/data$i" \
    POSTPILOT_SCHEDULER_INSTANCE_ID="crash-$i" POSTPILOT_SCHEDULER_ENABLED=true \
    "$BIN" serve >"$WORK/serve$i.log" 2>&1 &
  SERVE[crash-$i]=$!
  PIDS+=($!)
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null || { echo "instance on $port did not start" >&2; cat "$WORK"/serve*.log >&2; exit 2; }
done

# A marketer with a Facebook page whose token is sealed the way the vault seals it.
API="http://127.0.0.1:${PORTS[0]}/api/v1"
TOKEN="$(curl -fsS "$API/auth/register" -H 'content-type: application/json' \
  -d '{"email":"crash@example.com","password":"crash-test-password-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
ACCOUNT="$(curl -fsS "$API/accounts" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d '{"platform":"facebook","account_name":"Crash shop","account_id_external":"page-1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
SEALED="$(KEY="$KEY" python3 - <<'PY'
import base64, os
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
nonce = os.urandom(12)
sealed = nonce + ChaCha20Poly1305(bytes.fromhex(os.environ["KEY"])).encrypt(nonce, b"crash-page-token", None)
print("v1." + base64.urlsafe_b64encode(sealed).decode().rstrip("="))
PY
)"
sql "UPDATE social_accounts SET access_token_enc = '$SEALED', token_expires_at = now() + interval '30 days' WHERE id = '$ACCOUNT'"
USER_ID="$(sql "SELECT user_id FROM social_accounts WHERE id = '$ACCOUNT'")"

# N posts, all due at the same moment (on the database's clock), two seconds from now.
DUE="$(sql "SELECT to_char((now() + interval '2 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")"
sql "INSERT INTO posts (id, user_id, account_id, content, media_urls, hashtags, platform, status, scheduled_for, attempts, created_at, updated_at)
     SELECT gen_random_uuid(), '$USER_ID', '$ACCOUNT', 'crash post #' || lpad(n::text, 6, '0'), '[]', '[]', 'facebook', 'scheduled', '$DUE'::timestamptz, 0, now(), now()
     FROM generate_series(1, $N) AS n"
DUE_EPOCH="$(sql "SELECT extract(epoch FROM '$DUE'::timestamptz)")"

# Kill, mid-run, the instance holding the most posts in flight.
VICTIM=""
for _ in $(seq 1 600); do
  VICTIM="$(sql "SELECT lease_owner FROM posts WHERE status = 'publishing' AND lease_owner IS NOT NULL GROUP BY lease_owner ORDER BY count(*) DESC LIMIT 1")"
  [ -n "$VICTIM" ] && break
  sleep 0.05
done
[ -n "$VICTIM" ] || { echo "no instance ever held a post" >&2; exit 2; }
kill -KILL "${SERVE[$VICTIM]}"
HELD="$(sql "SELECT count(*) FROM posts WHERE status = 'publishing' AND lease_owner = '$VICTIM'")"
echo "killed $VICTIM (SIGKILL) while it held $HELD posts; posts by status then: $(sql "SELECT status || ' ' || coalesce(lease_owner, '-') || ': ' || count(*) FROM posts GROUP BY status, lease_owner" | tr '\n' ' ')"

# Wait for the survivors to publish everything (or give up after two minutes).
for _ in $(seq 1 1200); do
  [ "$(sql "SELECT count(*) FROM posts WHERE status <> 'posted'")" = "0" ] && break
  sleep 0.1
done

STATUS="$(sql "SELECT status || ': ' || count(*) FROM posts GROUP BY status ORDER BY status" | tr '\n' ' ')"
curl -fsS "http://127.0.0.1:$FAKE_PORT/stats" >"$WORK/stats.json"
N="$N" DUE_EPOCH="$DUE_EPOCH" STATUS="$STATUS" python3 - "$WORK/stats.json" <<'PY'
import json, os, sys
received = json.load(open(sys.argv[1]))["received"]
n, due = int(os.environ["N"]), float(os.environ["DUE_EPOCH"])
expected = {f"crash post #{i:06d}" for i in range(1, n + 1)}
published = len(expected & received.keys())
duplicates = sum(len(times) - 1 for times in received.values())
lost = n - published
lateness = max((min(times) - due for m, times in received.items() if m in expected), default=float("inf"))
print(f"posts by status: {os.environ['STATUS']}")
print(f"published {published}/{n}, duplicates {duplicates}, lost {lost}, lateness max {lateness:.2f} s")
ok = published == n and duplicates == 0 and lost == 0 and lateness < 15
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
