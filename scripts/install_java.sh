#!/usr/bin/env bash
# The Spark tests (tests/spark, marker `spark`) run pyspark in local mode, which needs Java 17+:
# Debian's openjdk-17-jre-headless, installed here when missing (as install_browser.sh does).
set -euo pipefail
if command -v java >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "java is missing and this user cannot apt-get it: the Spark tests will be skipped" >&2
  exit 0
fi
echo "installing Debian openjdk-17-jre-headless for the Spark tests ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
