"""Identity resolution: the Python step between dbt's intermediate and core marts layers."""

import dagster as dg

from orchestration.defs.identity.assets import resolved_records
from orchestration.defs.identity.checks import CHECKS

defs = dg.Definitions(assets=[resolved_records], asset_checks=CHECKS)

__all__ = ["defs", "resolved_records"]
