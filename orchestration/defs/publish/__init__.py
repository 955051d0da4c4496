"""Publishing the quality-gated build to readers."""

import dagster as dg

from orchestration.defs.publish.assets import published_warehouse

defs = dg.Definitions(assets=[published_warehouse])
