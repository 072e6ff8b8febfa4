#!/usr/bin/env bash
# Draws the site's images into public/ with Debian's Chromium: the sharing card
# (og-image.png, 1200 × 630, from scripts/images/og-image.html) and the icons (favicon.ico,
# apple-touch-icon.png, icon-192.png, icon-512.png, from scripts/images/icon.html). The PNGs
# are committed; run this again after changing either page. Needs the fonts (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
chrome=${CHROME_PATH:-/usr/bin/chromium}
shoot() { # page, output, width, height
  "$chrome" --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --virtual-time-budget=2000 --screenshot="$2" "file://$PWD/scripts/images/$1" 2>/dev/null
}
shoot og-image.html public/og-image.png 1200 630
shoot icon.html public/apple-touch-icon.png 180 180
shoot icon.html public/icon-192.png 192 192
shoot icon.html public/icon-512.png 512 512
tmp=$(mktemp -d)
shoot icon.html "$tmp/icon-32.png" 32 32
# An .ico file may hold a PNG as it is (every browser of the last decade reads it).
python3 - "$tmp/icon-32.png" public/favicon.ico <<'PY'
import struct, sys
png = open(sys.argv[1], "rb").read()
header = struct.pack("<HHH", 0, 1, 1)
entry = struct.pack("<BBBBHHII", 32, 32, 0, 0, 1, 32, len(png), 6 + 16)
open(sys.argv[2], "wb").write(header + entry + png)
PY
rm -r "$tmp"
ls -l public/og-image.png public/apple-touch-icon.png public/icon-192.png public/icon-512.png public/favicon.ico
