#!/usr/bin/env bash
# The dbt docs site: lineage from each source system through staging, identity and the marts to
# the metrics and the dashboard pages (exposures), with every column's description and the
# published warehouse's catalogue (types, row counts).
#   scripts/docs.sh generate          write the site to $TOUCHPOINT_DOCS_DIR
#   scripts/docs.sh serve PORT        serve it on http://localhost:PORT (generates it if missing)
# Reads the published warehouse read-only (dbt target `published`), so it never blocks a run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
docs_dir=${TOUCHPOINT_DOCS_DIR:-$repo/.touchpoint/docs}
dbt=$repo/.venv/bin/dbt
export DO_NOT_TRACK=1 TOUCHPOINT_DBT_TARGET=published

generate() {
  if [ ! -f "$TOUCHPOINT_WAREHOUSE" ]; then
    echo "docs: no published warehouse at $TOUCHPOINT_WAREHOUSE yet; run 'make pipeline' first" >&2
    exit 2
  fi
  (cd "$repo/dbt_project" && "$dbt" docs generate --quiet --target-path "$docs_dir")
  echo "  dbt docs written to $docs_dir"
}

case "${1:-}" in
  generate) generate ;;
  serve)
    [ -f "$docs_dir/index.html" ] || generate
    cd "$repo/dbt_project"
    exec "$dbt" docs serve --target-path "$docs_dir" --host 127.0.0.1 --port "$2" --no-browser
    ;;
  *) echo "usage: $0 generate | serve PORT" >&2; exit 2 ;;
esac
