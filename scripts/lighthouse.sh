#!/usr/bin/env bash
# Lighthouse (npm lighthouse@12, Debian's Chromium, its default mobile emulation and
# throttling) against the release binary for the marketing pages: prints the four category
# scores and the bytes each page transferred, and fails when a score is under 98 or `/`
# transfers 100 KB or more. Uses the last release build (scripts/build-release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/lib/serve.sh
# Without the marketing stylesheet the pages fall back to the app's: measure what ships.
if [ ! -f "$POSTPILOT_SERVER_SITE_ROOT/pkg/marketing.css" ]; then
  echo "no $POSTPILOT_SERVER_SITE_ROOT/pkg/marketing.css: run scripts/build-release.sh first" >&2
  exit 1
fi
start_postpilot

min_score=98
max_landing_bytes=$((100 * 1024))
reports=$(mktemp -d)
failed=0
printf '%-10s %12s %14s %15s %5s %14s\n' page performance accessibility best-practices seo transferred
for page in / /pricing; do
  report="$reports/$(echo "$page" | tr '/' '_').json"
  if ! CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium} npx --no-install lighthouse "$BASE_URL$page" \
    --quiet --output=json --output-path="$report" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" >"$reports/lighthouse.log" 2>&1; then
    cat "$reports/lighthouse.log" >&2
    echo "Lighthouse could not audit $page" >&2
    failed=1
    continue
  fi
  python3 - "$report" "$page" "$min_score" "$max_landing_bytes" <<'PY' || failed=1
import json, sys
report, page, min_score, max_bytes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lh = json.load(open(report))
order = ["performance", "accessibility", "best-practices", "seo"]
scores = {c: round((lh["categories"][c]["score"] or 0) * 100) for c in order}
transferred = lh["audits"]["total-byte-weight"]["numericValue"]
print(f"{page:<10} {scores['performance']:>12} {scores['accessibility']:>14} "
      f"{scores['best-practices']:>15} {scores['seo']:>5} {transferred / 1024:>11.1f} KB")
bad = False
for category, score in scores.items():
    if score < min_score:
        bad = True
        print(f"  {category} {score} < {min_score}; what lost points:")
        for ref in lh["categories"][category]["auditRefs"]:
            audit = lh["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                print(f"    - {audit['id']}: {audit['title']} ({audit.get('displayValue', '')})")
if page == "/" and transferred >= max_bytes:
    bad = True
    print(f"  / transferred {transferred / 1024:.1f} KB, the budget is {max_bytes / 1024:.0f} KB:")
    for item in lh["audits"]["network-requests"]["details"]["items"]:
        print(f"    {item['transferSize'] / 1024:8.1f} KB  {item['url']}")
sys.exit(1 if bad else 0)
PY
done
if [ "$failed" != 0 ]; then
  export KEEP_SERVE_LOG=1
  echo "Lighthouse: below target (reports kept in $reports)" >&2
  exit 1
fi
rm -rf "$reports"
echo "Lighthouse: every score at least $min_score, / under $((max_landing_bytes / 1024)) KB"
