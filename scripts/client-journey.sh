#!/usr/bin/env bash
# Generates a Python client with openapi-python-client (PyPI, pinned in
# scripts/lib/python-tools.sh) from the LIVE /api/v1/openapi.json of a throwaway
# `postpilot serve`, then runs a marketer's journey with it (scripts/client_journey.py):
# register → connect a sandbox account → create a post → list → calendar → a 404 and a 422
# read as the typed error. Exits non-zero on any failure.
#
# Usage: scripts/client-journey.sh    The binary: $POSTPILOT_BIN, else target/release, else
#        target/debug (see scripts/lib/serve.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/python-tools.sh
source scripts/lib/serve.sh

venv=$(python_tool openapi-python-client "$OPENAPI_PYTHON_CLIENT_VERSION")
start_postpilot

work="$SERVE_DIR/client"
mkdir -p "$work"
curl -sSf "$BASE_URL/api/v1/openapi.json" -o "$work/openapi.json"
cat >"$work/config.yaml" <<'YAML'
project_name_override: postpilot-client
package_name_override: postpilot_client
YAML
echo "generating the client from $BASE_URL/api/v1/openapi.json"
# The venv's bin first: the generator formats its output with the ruff installed beside it.
# Its warnings (a part of the document it could not turn into code) fail the journey.
if ! PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
    --path "$work/openapi.json" --output-path "$work/out" --config "$work/config.yaml" \
    >"$work/generate.log" 2>&1 || grep -q "Warning" "$work/generate.log"; then
  cat "$work/generate.log" >&2
  KEEP_SERVE_LOG=1
  echo "FAILED: the client could not be generated cleanly" >&2
  exit 1
fi
echo "generated $(find "$work/out/postpilot_client" -name '*.py' | wc -l) modules"
# The generated package needs httpx, attrs and python-dateutil: the generator's venv has them.
if ! PYTHONPATH="$work/out" "$venv/bin/python" scripts/client_journey.py "$BASE_URL/api/v1"; then
  KEEP_SERVE_LOG=1
  exit 1
fi
