# Sourced by scripts/client-journey.sh and scripts/fuzz.sh: starts a throwaway `postpilot
# serve` (its own SQLite database in a temporary directory, a free port, no scheduler) and
# stops it when the calling script exits.
#
# Uses $POSTPILOT_BIN when set, else target/release/postpilot, else target/debug/postpilot
# (under $CARGO_TARGET_DIR when set). Sets BASE_URL (http://127.0.0.1:PORT), SERVE_DIR and
# SERVE_BIN.

start_postpilot() {
  local target="${CARGO_TARGET_DIR:-$PWD/target}"
  SERVE_BIN="${POSTPILOT_BIN:-}"
  if [ -z "$SERVE_BIN" ] || [ ! -x "$SERVE_BIN" ]; then
    for candidate in "$target/release/postpilot" "$target/debug/postpilot"; do
      if [ -x "$candidate" ]; then SERVE_BIN=$candidate; break; fi
    done
  fi
  if [ -z "$SERVE_BIN" ] || [ ! -x "$SERVE_BIN" ]; then
    echo "no postpilot binary: build one (cargo build --bin postpilot) or set POSTPILOT_BIN" >&2
    return 1
  fi
  SERVE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/postpilot-serve.XXXXXX")
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BASE_URL="http://127.0.0.1:$port"
  # A database of its own, whatever the caller's environment says.
  env -u DATABASE_URL \
    POSTPILOT_DATABASE_URL= \
    POSTPILOT_DATABASE_DATA_DIR="$SERVE_DIR/data" \
    POSTPILOT_SERVER_ADDR="127.0.0.1:$port" \
    POSTPILOT_SERVER_PUBLIC_URL="$BASE_URL" \
    POSTPILOT_SCHEDULER_ENABLED=false \
    "$SERVE_BIN" serve >"$SERVE_DIR/server.log" 2>&1 &
  SERVE_PID=$!
  trap stop_postpilot EXIT
  local waited=0
  until curl -sf "$BASE_URL/health" >/dev/null 2>&1; do
    if ! kill -0 "$SERVE_PID" 2>/dev/null || [ "$waited" -ge 120 ]; then
      echo "postpilot did not start; its log:" >&2
      cat "$SERVE_DIR/server.log" >&2
      return 1
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  echo "postpilot ($SERVE_BIN) answers on $BASE_URL"
}

stop_postpilot() {
  if [ -n "${SERVE_PID:-}" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ -n "${SERVE_DIR:-}" ]; then
    # A failed run keeps the server's log for reading.
    if [ "${KEEP_SERVE_LOG:-}" = 1 ]; then
      echo "server log kept in $SERVE_DIR/server.log" >&2
    else
      rm -rf "$SERVE_DIR"
    fi
  fi
}
