"""Write the metric catalogue (docs/metrics.md) from the dbt semantic manifest.

Every metric's name, label, description, type, what it aggregates (measure, agg, expression,
semantic model and mart, agg time dimension, filter; or its input metrics) and the group-bys
MetricFlow allows for it. Generated, never hand-edited: `python -m warehouse.metric_catalogue`
after `dbt parse`; `--check` exits 1 when the committed file is stale (a test runs it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb
from dbt_semantic_interfaces.implementations.metric import PydanticMetric
from dbt_semantic_interfaces.implementations.semantic_model import PydanticSemanticModel

from warehouse.semantic_layer import SemanticLayer
from warehouse.settings import DBT_PROJECT_DIR, REPO_ROOT

DEFAULT_MANIFEST = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"
DEFAULT_OUTPUT = REPO_ROOT / "docs" / "metrics.md"

HEADER = """# Metric catalogue

Generated from the dbt semantic layer by `python -m warehouse.metric_catalogue` (after
`dbt parse`); do not edit by hand: a test fails when this file is stale. Definitions live once,
in the semantic models beside each mart (`dbt_project/models/**/*.yml`) and in
`dbt_project/models/marts/_metrics.yml`; the choices behind them are in DECISIONLOG.md.
Rates are shares between 0 and 1 unless the label says otherwise. Query any metric with
`mf query --metrics <name> --group-by <group-by>` or `SemanticLayer.query(...)`.
"""


def _one_line(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


class MetricCatalogue:
    """Markdown for every metric of one semantic manifest."""

    def __init__(self, semantic_manifest_json: str) -> None:
        self._layer = SemanticLayer(duckdb.connect(), semantic_manifest_json)
        manifest = self._layer.manifest
        self._metrics = {metric.name: metric for metric in manifest.metrics}
        self._measures = {
            measure.name: (measure, model)
            for model in manifest.semantic_models
            for measure in model.measures
        }

    @property
    def metric_names(self) -> list[str]:
        return sorted(self._metrics)

    def render(self) -> str:
        names = self.metric_names
        lines = [HEADER, "| metric | label | type | definition |", "|---|---|---|---|"]
        for name in names:
            metric = self._metrics[name]
            lines.append(
                f"| [`{name}`](#{name}) | {metric.label or name} | {metric.type.value} "
                f"| {_one_line(metric.description)} |"
            )
        for name in names:
            lines.extend(["", *self._section(self._metrics[name])])
        return "\n".join(lines) + "\n"

    def _section(self, metric: PydanticMetric) -> list[str]:
        lines = [
            f"## {metric.name}",
            "",
            f"**{metric.label or metric.name}** ({metric.type.value}). {_one_line(metric.description)}",
            "",
            *self._computation(metric),
        ]
        if metric.filter is not None:
            filters = "; ".join(
                f"`{_one_line(f.where_sql_template)}`" for f in metric.filter.where_filters
            )
            lines.append(f"- Filter: {filters}")
        dimensions = self._layer.group_bys([metric.name])
        lines.append(f"- Group by: {', '.join(f'`{d}`' for d in dimensions)}")
        return lines

    def _computation(self, metric: PydanticMetric) -> list[str]:
        params = metric.type_params
        if params.measure is not None:
            measure, model = self._measures[params.measure.name]
            agg_time = measure.agg_time_dimension or model.defaults.agg_time_dimension
            return [
                f"- Measure: `{measure.name}` = {measure.agg.value}(`{_one_line(measure.expr) or measure.name}`)"
                f" over `{model.node_relation.alias}` (semantic model `{model.name}`, one row per "
                f"`{self._primary_entity(model)}`)",
                f"- Time: `{agg_time}` (business-local date) is metric_time",
            ]
        if params.numerator is not None and params.denominator is not None:
            return [
                f"- Ratio: {self._input(params.numerator)} / {self._input(params.denominator)}",
            ]
        inputs = ", ".join(self._input(m) for m in params.metrics or ())
        return [f"- Derived: `{_one_line(params.expr)}` from {inputs}"]

    @staticmethod
    def _input(metric_input) -> str:
        text = f"[`{metric_input.name}`](#{metric_input.name})"
        if metric_input.filter is not None:
            where = "; ".join(
                _one_line(f.where_sql_template) for f in metric_input.filter.where_filters
            )
            text += f" where `{where}`"
        return text

    @staticmethod
    def _primary_entity(model: PydanticSemanticModel) -> str:
        primary = [entity.name for entity in model.entities if entity.type.value == "primary"]
        return primary[0] if primary else "row"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --output is stale")
    args = parser.parse_args(argv)
    rendered = MetricCatalogue(args.manifest.read_text()).render()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != rendered:
            print(
                f"{args.output} is stale: run python -m warehouse.metric_catalogue", file=sys.stderr
            )
            return 1
        return 0
    args.output.write_text(rendered)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
