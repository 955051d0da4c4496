"""A readable Markdown report of one validation run of the raw layer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from quality.runner import SuiteResult


def render(results: Sequence[SuiteResult], *, title: str = "Raw layer quality") -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [
        f"# {title}",
        "",
        f"Generated {now}.",
        "",
        "| table | rows | validated | result | blocking failures | flagged |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for r in results:
        verdict = "PASS" if r.passed else "**FAIL (blocking)**"
        lines.append(
            f"| `{r.table}` | {r.rows_total:,} | {r.rows_validated:,} | {verdict} | "
            f"{len(r.blocking_failures)} | {len(r.warnings)} |"
        )
    for r in results:
        lines += ["", f"## `{r.table}`", ""]
        lines += [f"_{n}_" for n in r.notes]
        lines += [
            "| | severity | expectation | column | unexpected | examples | arguments |",
            "|---|---|---|---|---:|---|---|",
        ]
        for o in r.outcomes:
            mark = "FAIL" if not o.success else ("flag" if o.flagged else "ok")
            pct = f" ({o.unexpected_percent:.2f} %)" if o.unexpected_percent else ""
            unexpected = f"{o.unexpected_count}{pct}" if o.unexpected_count is not None else ""
            examples = ", ".join(f"`{_cell(e)}`" for e in o.examples)
            lines.append(
                f"| {mark} | {o.severity} | {o.expectation} | {o.column or ''} | "
                f"{unexpected} | {examples} | {_cell(o.detail)} |"
            )
    return "\n".join(lines) + "\n"


def write(results: Sequence[SuiteResult], path: Path, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results, **kw), encoding="utf-8")
    return path


def entity_summary(r: SuiteResult) -> str:
    """A short Markdown block for one table, for Dagster check metadata."""
    lines = [
        f"**{r.table}**: {'PASS' if r.passed else 'FAIL'} "
        f"({r.rows_validated:,} of {r.rows_total:,} rows validated)"
    ]
    for o in r.blocking_failures:
        lines.append(
            f"- FAIL {o.expectation} `{o.column or ''}`: {o.unexpected_count} unexpected "
            f"({(o.unexpected_percent or 0):.2f} %), e.g. {', '.join(o.examples[:3])}"
        )
    for o in r.warnings:
        lines.append(
            f"- flag {o.expectation} `{o.column or ''}`: {o.unexpected_count} unexpected, "
            f"e.g. {', '.join(o.examples[:3])}"
        )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:120]
