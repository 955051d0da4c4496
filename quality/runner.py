"""Run an expectation suite on a pandas DataFrame and return plain dataclasses.

GX 1.24 has no working DuckDB data source, so callers query DuckDB into a DataFrame first
(see :mod:`quality.raw`). The context is ephemeral: nothing is written to disk, no analytics.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx
import pandas as pd

from quality.suites import BLOCKING, WARNING


@dataclass
class ExpectationOutcome:
    expectation: str  # e.g. expect_column_values_to_be_in_set
    column: str | None
    severity: str  # blocking | warning
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list[str] = field(default_factory=list)
    detail: str = ""  # the expectation's arguments, readable

    @property
    def flagged(self) -> bool:
        """Failed, or passed thanks to ``mostly`` with some unexpected values."""
        return not self.success or bool(self.unexpected_count)


@dataclass
class SuiteResult:
    suite: str
    table: str
    rows_total: int
    rows_validated: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.severity == BLOCKING and not o.success]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Warning-level failures and blocking expectations that let a few bad values through."""
        return [
            o for o in self.outcomes if o.flagged and not (o.severity == BLOCKING and not o.success)
        ]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures


class Runner:
    """One ephemeral GX context, reused for every suite of a run (creating it is not free)."""

    def __init__(self) -> None:
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = {"globally": False}  # type: ignore[assignment]
        self._source = self._context.data_sources.add_pandas("touchpoint_raw")

    def validate(
        self, df: pd.DataFrame, suite: gx.ExpectationSuite, *, table: str, rows_total: int
    ) -> SuiteResult:
        asset_name = f"{suite.name}_{len(self._source.assets)}"
        asset = self._source.add_dataframe_asset(asset_name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": df}
        )
        validation = batch.validate(suite, result_format="SUMMARY")
        out = SuiteResult(
            suite=suite.name, table=table, rows_total=rows_total, rows_validated=len(df)
        )
        for r in validation.results:
            cfg = r.expectation_config
            kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("column", "batch_id")}
            res = r.result or {}
            out.outcomes.append(
                ExpectationOutcome(
                    expectation=cfg.type,
                    column=cfg.kwargs.get("column"),
                    severity=(cfg.meta or {}).get("severity", WARNING),
                    success=bool(r.success),
                    element_count=res.get("element_count"),
                    unexpected_count=res.get("unexpected_count"),
                    unexpected_percent=res.get("unexpected_percent"),
                    examples=[
                        str(v)
                        for v in dict.fromkeys(
                            str(x) for x in (res.get("partial_unexpected_list") or [])
                        )
                    ][:5],
                    detail=_describe(kwargs),
                )
            )
        return out


def _describe(kwargs: dict) -> str:
    parts = []
    for k, v in kwargs.items():
        if v is None:
            continue
        if isinstance(v, list) and len(v) > 8:
            v = [*v[:8], "..."]
        parts.append(f"{k}={v}")
    return ", ".join(parts)
