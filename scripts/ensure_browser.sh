#!/bin/sh
# Installs Debian's Chromium and a Chinese font for the browser tests when they are missing.
# Playwright drives /usr/bin/chromium; it never downloads a browser of its own.
set -e
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$missing fonts-wqy-microhei"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Browser tests need:$missing — install them with: sudo apt-get install$missing" >&2
  exit 1
fi
echo "Installing$missing from Debian for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends $missing >/dev/null
