"""GX suites on the raw tables as Dagster asset checks.

Per raw asset two checks: ``raw_quality`` (blocking: a failed blocking expectation stops dbt and
the publish step downstream of that source) and ``raw_quality_warnings`` (severity WARN: format
rules, open-ended lists, and the few out-of-domain values the blocking expectations let through
under ``mostly``). One multi-asset check validates every selected entity with one GX context and
writes one Markdown report per run to ``<reports_dir>/raw_quality/``.
"""

import datetime as dt
import shutil
from collections import defaultdict

import dagster as dg

from ingestion import SPECS
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from quality import report
from quality.raw import validate_raw_entity
from quality.runner import Runner, SuiteResult

RAW_QUALITY = "raw_quality"
RAW_QUALITY_WARNINGS = "raw_quality_warnings"


def _specs() -> list[dg.AssetCheckSpec]:
    out = []
    for spec in SPECS:
        key = dg.AssetKey(spec.asset_key)
        out.append(
            dg.AssetCheckSpec(
                RAW_QUALITY,
                asset=key,
                blocking=True,
                description=f"GX suite raw.{spec.table}: blocking expectations",
            )
        )
        out.append(
            dg.AssetCheckSpec(
                RAW_QUALITY_WARNINGS,
                asset=key,
                description=f"GX suite raw.{spec.table}: flagged values",
            )
        )
    return out


@dg.multi_asset_check(
    specs=_specs(),
    can_subset=True,
    pool=DUCKDB_WRITER_POOL,
    name="raw_quality_checks",
    description="Great Expectations suites (quality/suites.py) on the raw tables.",
)
def raw_quality_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    selected = defaultdict(set)
    for ck in context.selected_asset_check_keys:
        selected[tuple(ck.asset_key.path)].add(ck.name)
    runner = Runner()
    results: list[tuple[tuple[str, ...], SuiteResult]] = []
    with warehouse.connect() as con:
        for spec in SPECS:
            key = tuple(spec.asset_key)
            if key in selected:
                results.append(
                    (key, validate_raw_entity(con, spec.system, spec.entity, runner=runner))
                )

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    folder = warehouse.paths.reports_dir / "raw_quality"
    path = report.write([r for _, r in results], folder / f"{stamp}_{context.run.run_id[:8]}.md")
    shutil.copyfile(path, folder / "latest.md")

    for key, r in results:
        common = {
            "report": dg.MetadataValue.path(str(path)),
            "rows_total": r.rows_total,
            "rows_validated": r.rows_validated,
            "summary": dg.MetadataValue.md(report.entity_summary(r)),
        }
        if RAW_QUALITY in selected[key]:
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(key)),
                check_name=RAW_QUALITY,
                passed=r.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    "all blocking expectations pass"
                    if r.passed
                    else f"{len(r.blocking_failures)} blocking expectation(s) failed"
                ),
                metadata={**common, "blocking_failures": len(r.blocking_failures)},
            )
        if RAW_QUALITY_WARNINGS in selected[key]:
            flagged = r.warnings
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(key)),
                check_name=RAW_QUALITY_WARNINGS,
                passed=not flagged,
                severity=dg.AssetCheckSeverity.WARN,
                description=f"{len(flagged)} expectation(s) flagged values",
                metadata={
                    **common,
                    "flagged": len(flagged),
                    "flagged_rows": sum(o.unexpected_count or 0 for o in flagged),
                },
            )


defs = dg.Definitions(asset_checks=[raw_quality_checks])
