#!/usr/bin/env bash
# Serve the dashboards (Streamlit) and the Dagster UI (webserver + daemon: the schedule, the
# sensor and the run queue) on localhost until Ctrl-C, which stops every process within seconds.
#
# The webserver and daemon are started directly rather than through `dagster dev` (superseded by
# `dg dev`, which needs a dg project layout): same processes, no deprecation warning. Each
# service runs in its own process group, so stopping a group also stops the code servers it
# spawned instead of leaving them running for minutes.
set -euo pipefail
set -m  # background jobs get their own process groups
dashboard_port=$1 dagster_port=$2 docs_port=${3:-8080}
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mkdir -p "$DAGSTER_HOME"
export DAGSTER_DISABLE_TELEMETRY=true

groups=()
stop_all() {
  trap - EXIT INT TERM
  echo
  echo "  stopping ..."
  for group in "${groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 30); do  # up to 3 s for a clean shutdown
    alive=0
    for group in "${groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for group in "${groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  echo "  stopped."
}
trap stop_all EXIT INT TERM

.venv/bin/dagster-daemon run -m orchestration.definitions \
  >"$DAGSTER_HOME/dagster-daemon.log" 2>&1 &
groups+=($!)
.venv/bin/dagster-webserver -m orchestration.definitions -h 127.0.0.1 -p "$dagster_port" \
  >"$DAGSTER_HOME/dagster-webserver.log" 2>&1 &
groups+=($!)
.venv/bin/streamlit run dashboards/app.py --server.port "$dashboard_port" \
  --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false &
groups+=($!)
docs_line="not served: no published warehouse yet (make docs after a run)"
if [ -f "$TOUCHPOINT_WAREHOUSE" ]; then
  scripts/docs.sh serve "$docs_port" >"$DAGSTER_HOME/dbt-docs.log" 2>&1 &
  groups+=($!)
  docs_line="http://localhost:$docs_port   (lineage from sources to these pages; make docs refreshes)"
fi

echo
echo "  Dashboards:  http://localhost:$dashboard_port"
echo "  Dagster UI:  http://localhost:$dagster_port   (logs: $DAGSTER_HOME/dagster-*.log)"
echo "  dbt docs:    $docs_line"
echo "  Warehouse:   $TOUCHPOINT_WAREHOUSE   (analysts: cd dbt_project && ../.venv/bin/mf query ...)"
echo "  Ctrl-C stops them all."
echo
wait -n || true  # until Ctrl-C or until one of them exits (then stop the others)
