#!/usr/bin/env bash
# The real-browser tests drive Debian's Chromium with Playwright (no browser download).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and this user cannot apt-get it: browser tests will be skipped" >&2
  exit 0
fi
echo "installing Debian chromium for the browser tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
