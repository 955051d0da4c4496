"""Jobs, schedules and sensors."""

import dagster as dg

from orchestration.defs.automation.jobs import daily_refresh, new_landing_files, touchpoint_pipeline

defs = dg.Definitions(
    jobs=[touchpoint_pipeline], schedules=[daily_refresh], sensors=[new_landing_files]
)
