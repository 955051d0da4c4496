#!/usr/bin/env bash
# Installs a Debian package that some tests need, when its command is missing:
#   scripts/install_debian_package.sh COMMAND PACKAGE WHAT
# e.g. `chromium chromium "the browser tests"` (Playwright drives Debian's Chromium, no browser
# download) or `java openjdk-17-jre-headless "the Spark tests"` (pyspark's local mode needs Java
# 17+). Without root it says what will be skipped and leaves the machine alone.
set -euo pipefail
command_name=$1 package=$2 what=$3
if command -v "$command_name" >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "$command_name is missing and this user cannot apt-get it: $what will be skipped" >&2
  exit 0
fi
echo "installing Debian $package for $what ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
