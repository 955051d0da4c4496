"""Identity resolution: the Python step between dbt's intermediate and core marts layers."""

import dagster as dg

from orchestration.defs.identity.assets import resolved_records

defs = dg.Definitions(assets=[resolved_records])

__all__ = ["defs", "resolved_records"]
