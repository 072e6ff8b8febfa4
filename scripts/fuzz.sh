#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis (PyPI, pinned in scripts/lib/python-tools.sh) against
# the live /api/v1/openapi.json of a throwaway `postpilot serve`: every operation, generated
# valid and invalid requests, three times over: signed out, signed in (a bearer token of a
# registered user made an Enterprise admin, so no plan limit or role hides an operation) and
# with that user's API key. Fails on any answer >= 500 and on any answer the document does
# not describe (status code, content type, headers, body schema).
#
# Usage: scripts/fuzz.sh [--max-examples N]    N test cases per operation and run (default
#        10, for CI; a full run: 100). The binary: $POSTPILOT_BIN, else target/release, else
#        target/debug (see scripts/lib/serve.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/python-tools.sh
source scripts/lib/serve.sh

max_examples=10
while [ $# -gt 0 ]; do
  case $1 in
    --max-examples) max_examples=$2; shift 2 ;;
    --max-examples=*) max_examples=${1#*=}; shift ;;
    *) echo "usage: $0 [--max-examples N]" >&2; exit 2 ;;
  esac
done

venv=$(python_tool schemathesis "$SCHEMATHESIS_VERSION")
# A full run outlasts the default 15-minute access token.
export POSTPILOT_AUTH_ACCESS_TOKEN_MINUTES=240
start_postpilot

# api METHOD PATH [JSON] [TOKEN]: the answer's body; stops the script on an answer that is
# not 2xx, saying which.
api() {
  local args=(-sS --fail-with-body -X "$1" "$BASE_URL/api/v1$2" -H 'content-type: application/json')
  [ -n "${3:-}" ] && args+=(-d "$3")
  [ -n "${4:-}" ] && args+=(-H "authorization: Bearer $4")
  local body
  if ! body=$(curl "${args[@]}"); then
    echo "setting up failed: $1 $2 answered $body" >&2
    exit 1
  fi
  printf '%s\n' "$body"
}
field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# The signed-in identity: registered through the API, then made an admin with the CLI (as an
# operator would) and moved to the Enterprise plan by that admin.
email="fuzz-$(date +%s)@postpilot.test"
password="fuzz-password-$RANDOM$RANDOM"
api POST /auth/register "{\"email\":\"$email\",\"password\":\"$password\"}" >/dev/null
env -u DATABASE_URL POSTPILOT_DATABASE_URL= POSTPILOT_DATABASE_DATA_DIR="$SERVE_DIR/data" \
  POSTPILOT_ADMIN_PASSWORD="$password" "$SERVE_BIN" create-admin --email "$email" >/dev/null
token=$(api POST /auth/login "{\"email\":\"$email\",\"password\":\"$password\"}" | field access_token)
user_id=$(api GET /auth/me "" "$token" | field id)
api PATCH "/admin/users/$user_id" '{"plan":"enterprise"}' "$token" >/dev/null
api_key=$(api POST /api-keys '{"name":"fuzz","scopes":["read","write"]}' "$token" | field key)

# Real resources for the operations on ids (random ids would only ever meet 404s): one to
# read and change, and a second one for the operation that deletes, so it does not take the
# first away from the others. A set for each run (the runs change them), all made before
# fuzzing starts (fuzzing may exhaust the rate limits on registration and the like).
id_of() { field id; }
# make_resources NAME: the resources of run NAME and its schemathesis config, NAME.toml.
make_resources() {
  local when
  when=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ)
  account=$(api POST /accounts '{"platform":"instagram","account_name":"fuzz shop '$RANDOM$RANDOM'"}' "$token" | id_of)
  account_gone=$(api POST /accounts '{"platform":"tiktok","account_name":"fuzz gone '$RANDOM$RANDOM'"}' "$token" | id_of)
  post_body="{\"account_id\":\"$account\",\"content\":\"Fuzzing\",\"media_urls\":[\"https://example.com/mug.jpg\"],\"scheduled_for\":\"$when\"}"
  post=$(api POST /posts "$post_body" "$token" | id_of)
  post_gone=$(api POST /posts "$post_body" "$token" | id_of)
  item_body='{"product_data":{"title":"Fuzz mug","price":12},"platforms":["instagram"]}'
  item=$(api POST /queue "$item_body" "$token" | id_of)
  item_gone=$(api POST /queue "$item_body" "$token" | id_of)
  template_body='{"name":"fuzz","content":"Buy {{product.title}}"}'
  template=$(api POST /templates "$template_body" "$token" | id_of)
  template_gone=$(api POST /templates "$template_body" "$token" | id_of)
  key_gone=$(api POST /api-keys '{"name":"fuzz gone","scopes":["read"]}' "$token" | id_of)
  local member_email="fuzz-member-$RANDOM$RANDOM@postpilot.test"
  member=$(api POST /auth/register "{\"email\":\"$member_email\",\"password\":\"$password\"}" \
    | field access_token)
  member=$(api GET /auth/me "" "$member" | id_of)
  # Fixed path parameters per operation. No auto-signup: the signed-out run stays signed out.
  cat >"$SERVE_DIR/$1.toml" <<TOML
[auth]
auto-signup = false
$(ids accounts_get "$account") $(ids accounts_disconnect "$account_gone")
$(ids "posts_(get|update|schedule|retry)" "$post") $(ids posts_delete "$post_gone")
$(printf '\n[[operations]]\ninclude-operation-id = "posts_create"\nparameters = { "body.account_id" = "%s" }\n' "$account")
$(ids "analytics_post" "$post" post_id)
$(ids "queue_(get|generate|approve|reject)" "$item") $(ids queue_delete "$item_gone")
$(ids "templates_(get|update|render)" "$template") $(ids templates_delete "$template_gone")
$(ids api_keys_revoke "$key_gone") $(ids admin_update_user "$member")
TOML
}
# ids OPERATION_ID_REGEX VALUE [NAME]: a schemathesis.toml block fixing the path parameter.
ids() {
  printf '\n[[operations]]\ninclude-operation-id-regex = "^(%s)$"\nparameters = { "path.%s" = "%s" }\n' \
    "$1" "${3:-id}" "$2"
}
runs=(signed-out signed-in api-key)
for name in "${runs[@]}"; do make_resources "$name"; done
echo "signed in as $email (admin, Enterprise) with an API key, and resources for each run"

# FUZZ_CHECKS overrides the checks (see `schemathesis run --help`).
checks=${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection}
reports="$SERVE_DIR/reports"
mkdir -p "$reports"
failed=()
run() {
  local name=$1; shift
  echo
  echo "=== schemathesis, $name: $max_examples examples per operation ==="
  # From the temporary directory: schemathesis keeps a cache in the working directory.
  if ! (cd "$SERVE_DIR" && "$venv/bin/schemathesis" --config-file "$name.toml" \
      run "$BASE_URL/api/v1/openapi.json" \
      --url "$BASE_URL/api/v1" \
      --checks "$checks" \
      --phases examples,coverage,fuzzing \
      --max-examples "$max_examples" \
      --workers 1 \
      --seed 1 \
      --continue-on-failure \
      --suppress-health-check all \
      --report junit --report-junit-path "$reports/$name.xml" \
      --no-color "$@") 2>&1 | tee "$reports/$name.log"; then
    failed+=("$name")
  fi
}

# Signed out, schemathesis also makes up credentials (bearer tokens, API keys); signed in it
# sends only ours, or every call would be refused for its made-up key.
run signed-out
run signed-in -H "Authorization: Bearer $token" --generation-with-security-parameters false
# An API key gets its plan's requests per minute (Enterprise: 3,000): paced under that, so
# the run exercises the operations instead of the rate limit.
run api-key -H "X-API-Key: $api_key" --generation-with-security-parameters false \
  --rate-limit 40/s

echo
python3 - "$reports" "${runs[@]}" <<'PY'
# The counts of each run: operations and how many failed (JUnit report), the test cases sent,
# and every problem schemathesis summed up (server errors, schema violations, ...).
import re, sys, pathlib, xml.etree.ElementTree as ET
reports = pathlib.Path(sys.argv[1])
print(f"{'run':<11} {'operations':>10} {'failed':>6} {'errors':>6}  test cases")
problems = []
for name in sys.argv[2:]:
    root = ET.parse(reports / f"{name}.xml").getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    count = lambda key: sum(int(s.get(key, 0)) for s in suites)
    log = (reports / f"{name}.log").read_text(errors="replace")
    summary = log[log.rfind("SUMMARY"):]
    cases = re.search(r"^\s*(\d+ generated.*)$", summary, re.M)
    print(f"{name:<11} {count('tests'):>10} {count('failures'):>6} {count('errors'):>6}  "
          f"{cases.group(1) if cases else '?'}")
    problems += [f"  {name}: {line.strip()}" for line in summary.splitlines()
                 if line.strip().startswith(("❌", "🚫"))
                 and not line.strip().startswith(("❌ Coverage", "❌ Fuzzing", "❌ Examples"))]
print("\n".join(problems) if problems else "no server error, no schema violation")
PY
if [ ${#failed[@]} -gt 0 ]; then
  KEEP_SERVE_LOG=1
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing passed: no answer >= 500, every answer as the document describes"
