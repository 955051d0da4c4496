"""Quality gate on the raw layer: GX suites and source freshness surface as asset checks on the
ingestion assets."""

import dagster as dg

from orchestration.defs.quality import checks, freshness_checks
from orchestration.defs.quality.checks import RAW_QUALITY, RAW_QUALITY_WARNINGS, raw_quality_checks
from orchestration.defs.quality.freshness_checks import (
    SOURCE_DELIVERED_ON_TIME,
    source_freshness_checks,
)

defs = dg.Definitions.merge(checks.defs, freshness_checks.defs)

__all__ = [
    "RAW_QUALITY",
    "RAW_QUALITY_WARNINGS",
    "SOURCE_DELIVERED_ON_TIME",
    "defs",
    "raw_quality_checks",
    "source_freshness_checks",
]
