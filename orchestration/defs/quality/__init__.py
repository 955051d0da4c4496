"""Quality gate on the raw layer: GX suites surface as asset checks on the ingestion assets."""

from orchestration.defs.quality.checks import (
    RAW_QUALITY,
    RAW_QUALITY_WARNINGS,
    defs,
    raw_quality_checks,
)

__all__ = ["RAW_QUALITY", "RAW_QUALITY_WARNINGS", "defs", "raw_quality_checks"]
