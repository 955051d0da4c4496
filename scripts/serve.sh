#!/usr/bin/env bash
# Serve the dashboards (Streamlit) and the Dagster UI on localhost until Ctrl-C.
set -euo pipefail
dashboard_port=$1 dagster_port=$2
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
mkdir -p "$DAGSTER_HOME"

.venv/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p "$dagster_port" \
  >"$DAGSTER_HOME/dagster-dev.log" 2>&1 &
dagster_pid=$!
trap 'kill $dagster_pid 2>/dev/null || true' EXIT INT TERM

echo
echo "  Dashboards:  http://localhost:$dashboard_port"
echo "  Dagster UI:  http://localhost:$dagster_port   (log: $DAGSTER_HOME/dagster-dev.log)"
echo "  Warehouse:   $TOUCHPOINT_WAREHOUSE   (analysts: cd dbt_project && ../.venv/bin/mf query ...)"
echo "  Ctrl-C stops both."
echo
.venv/bin/streamlit run dashboards/app.py --server.port "$dashboard_port" \
  --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false
