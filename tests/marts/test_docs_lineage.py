"""The generated dbt docs tell the whole story: every dashboard page is an exposure whose lineage
lists what the page really reads, and every mart, column and metric is described (issue 18).

What a page reads is found in its code: the mart names it (or a dashboards/lib module it imports)
writes as strings, the metrics it names, and the KPI catalogue lists it imports.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import duckdb

import dashboards.lib.kpi_catalogue as kpi_catalogue

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "dashboards" / "app_pages"
LIB_PACKAGE = "dashboards.lib"
CATALOGUE_MODULE = "dashboards.lib.kpi_catalogue"
# Names marts only as keys of a display mapping (which metric's unit a column is shown in); a page
# importing it reads no table through it.
DISPLAY_MAPPING_MODULE = "dashboards.lib.column_units"


def _mart_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
    }


def _strings(tree: ast.AST) -> set[str]:
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def _lib_imports(tree: ast.AST) -> list[ast.ImportFrom]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(LIB_PACKAGE)
    ]


def page_reads(page: Path, marts: set[str], metrics: set[str]) -> tuple[set[str], set[str]]:
    """(marts, metrics) a page reads: strings in the page and the dashboards/lib modules it
    imports (transitively) that name a mart; metrics the page names or takes from the catalogue."""
    page_tree = ast.parse(page.read_text())
    words: set[str] = set()
    shown = _strings(page_tree) & metrics
    todo, seen = [page_tree], set()
    while todo:
        tree = todo.pop()
        words |= {word for text in _strings(tree) for word in re.findall(r"[a-z0-9_]+", text)}
        for node in _lib_imports(tree):
            if node.module == CATALOGUE_MODULE:
                shown |= {
                    name for alias in node.names for name in getattr(kpi_catalogue, alias.name)
                }
                continue
            if node.module == DISPLAY_MAPPING_MODULE:
                continue
            module = ROOT / Path(*node.module.split(".")).with_suffix(".py")
            if module not in seen:
                seen.add(module)
                todo.append(ast.parse(module.read_text()))
    return words & marts, shown


def _exposures(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {exposure["name"]: exposure for exposure in manifest["exposures"].values()}


def test_every_page_is_an_exposure_with_a_description(manifest: dict[str, Any]) -> None:
    exposures = _exposures(manifest)
    pages = {page.stem for page in PAGES.glob("*.py")}
    assert pages <= set(exposures), f"pages without an exposure: {sorted(pages - set(exposures))}"
    for name in pages:
        assert exposures[name]["description"].strip(), f"exposure {name} has no description"
        assert exposures[name]["url"], f"exposure {name} has no url"


def test_each_exposure_lists_what_its_page_reads(manifest: dict[str, Any]) -> None:
    marts = set(_mart_models(manifest))
    metrics = {metric["name"] for metric in manifest["metrics"].values()}
    exposures = _exposures(manifest)
    missing = {}
    for page in sorted(PAGES.glob("*.py")):
        listed = {node.split(".")[-1] for node in exposures[page.stem]["depends_on"]["nodes"]}
        read_marts, shown_metrics = page_reads(page, marts, metrics)
        if unlisted := (read_marts | shown_metrics) - listed:
            missing[page.stem] = sorted(unlisted)
    assert not missing, f"pages read marts/metrics their exposure does not list: {missing}"


def test_the_lineage_scan_finds_a_page_reading_an_unlisted_mart(tmp_path: Path) -> None:
    # The scan must see through a page into the library modules it imports.
    page = tmp_path / "page.py"
    page.write_text(
        "from dashboards.lib.retention import cohort_triangle\n"
        "from dashboards.lib.kpi_catalogue import SERVICE\n"
        "x = warehouse.metrics(['nps'])\n"
    )
    marts, metrics = page_reads(page, {"mart_retention_cohorts", "fct_order"}, {"nps", "ces"})
    assert marts == {"mart_retention_cohorts"}
    assert metrics == {"nps", *kpi_catalogue.SERVICE}


def test_every_mart_and_metric_is_described(manifest: dict[str, Any]) -> None:
    undescribed = [
        f"{name}.{column}" if column else name
        for name, node in _mart_models(manifest).items()
        for column in [None, *node["columns"]]
        if not (node["columns"][column]["description"] if column else node["description"]).strip()
    ]
    undescribed += [
        f"metric {metric['name']}"
        for metric in manifest["metrics"].values()
        if not metric["description"].strip()
    ]
    assert not undescribed, f"without a description in the dbt docs: {undescribed}"


def test_every_published_mart_column_is_documented(
    manifest: dict[str, Any], published_con: duckdb.DuckDBPyConnection
) -> None:
    undocumented = {}
    for name, node in _mart_models(manifest).items():
        columns = {
            row[0]
            for row in published_con.execute(
                "select column_name from duckdb_columns() "
                "where schema_name = 'marts' and table_name = ?",
                [name],
            ).fetchall()
        }
        if extra := columns - set(node["columns"]):
            undocumented[name] = sorted(extra)
    assert not undocumented, f"published columns missing from the model YAML: {undocumented}"
