#!/usr/bin/env bash
# Draws the site's images into public/ with Debian's Chromium: the sharing card
# (og-image.png, 1200 × 630, from scripts/images/og-image.html) and the icons (favicon.ico,
# apple-touch-icon.png, icon-192.png, icon-512.png, from scripts/images/icon.html). The PNGs
# are committed; run this again after changing either page. Needs the fonts (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
chrome=${CHROME_PATH:-/usr/bin/chromium}
for font in public/fonts/inter-latin-wght-normal.woff2 public/fonts/plus-jakarta-sans-latin-wght-normal.woff2; do
  [ -f "$font" ] || { echo "$font is missing: run scripts/setup.sh first" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
shoot() { # page, output, width, height
  rm -f "$2"
  # Chromium chatters on stderr even when all is well: kept aside, shown if no image came out.
  "$chrome" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --virtual-time-budget=2000 --screenshot="$2" "file://$PWD/scripts/images/$1" \
    2>"$tmp/chromium.log" || true
  [ -s "$2" ] || { cat "$tmp/chromium.log" >&2; echo "no $2 from $1" >&2; exit 1; }
}
shoot og-image.html public/og-image.png 1200 630
shoot icon.html public/apple-touch-icon.png 180 180
shoot icon.html public/icon-192.png 192 192
shoot icon.html public/icon-512.png 512 512
shoot icon.html "$tmp/icon-32.png" 32 32
# An .ico file may hold a PNG as it is (every browser of the last decade reads it).
python3 - "$tmp/icon-32.png" public/favicon.ico <<'PY'
import struct, sys
png = open(sys.argv[1], "rb").read()
header = struct.pack("<HHH", 0, 1, 1)
entry = struct.pack("<BBBBHHII", 32, 32, 0, 0, 1, 32, len(png), 6 + 16)
open(sys.argv[2], "wb").write(header + entry + png)
PY
ls -l public/og-image.png public/apple-touch-icon.png public/icon-192.png public/icon-512.png public/favicon.ico
