"""Every page renders from the demo company's warehouse and shows the semantic layer's numbers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboards.lib.filters import Filters
from dashboards.lib.kpi_catalogue import EXPERIENCE, OPERATIONS, SERVICE
from dashboards.lib.kpi_tiles import tile_label
from dashboards.lib.metric_display import KNOWN_UNITS, display_of
from dashboards.lib.names import human_name
from dashboards.lib.samples import MIN_ANSWERS
from tests.dashboards.apptest import PAGES, open_app, render, tiles
from warehouse.semantic_layer import SemanticLayer

pytestmark = pytest.mark.slow


def shown_filters(app) -> Filters:
    start, end = app.date_input(key="filter_dates").value
    channels = tuple(app.multiselect(key="filter_channels").value)
    return Filters(start=start, end=end, channels=channels)


def expected_tile(layer: SemanticLayer, metric: str, filters: Filters) -> tuple[str, str]:
    where = list(filters.for_metric(layer.dimensions(metric)).where)
    now = layer.query([metric], where=where, **filters.time_range)[metric].iloc[0]
    before = layer.query([metric], where=where, **filters.previous().time_range)[metric].iloc[0]
    display = display_of(next(m for m in layer.metrics if m.name == metric))
    return display.format(now), display.format_delta(now, before) or ""


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_page_renders_without_exception(monkeypatch, demo_run, page) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, page)
    assert app.title, "each page has a title"


def test_scorecard_tiles_equal_the_semantic_layer(monkeypatch, demo_run, demo_semantic_layer):
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "scorecard")
    filters = shown_filters(app)
    assert filters.days == 90 and not filters.channels
    shown = tiles(app)
    labels = {m.name: tile_label(m.label, display_of(m)) for m in demo_semantic_layer.metrics}

    checked = 0
    for metric in EXPERIENCE + OPERATIONS:
        if metric in labels:
            assert shown[labels[metric]] == expected_tile(demo_semantic_layer, metric, filters)
            checked += 1
    assert checked >= 1 and len(shown) == checked


def test_scorecard_channel_filter_reaches_the_metrics(monkeypatch, demo_run, demo_semantic_layer):
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "scorecard")
    app.multiselect(key="filter_channels").set_value(["web"]).run()
    assert not app.exception
    filters = shown_filters(app)
    assert filters.channels == ("web",)
    labels = {m.name: tile_label(m.label, display_of(m)) for m in demo_semantic_layer.metrics}
    for label, value in tiles(app).items():
        metric = next(name for name, text in labels.items() if text == label)
        assert value == expected_tile(demo_semantic_layer, metric, filters)


def test_filters_persist_across_pages(monkeypatch, demo_run) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "scorecard")
    app.multiselect(key="filter_channels").set_value(["web"]).run()
    render(app, "customer_360")
    render(app, "scorecard")
    assert app.multiselect(key="filter_channels").value == ["web"]


def test_data_health_shows_the_publication_and_its_checks(
    monkeypatch, demo_run, demo_published_con
) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "data_health")
    shown = tiles(app)
    version, n_checks, n_passed = demo_published_con.execute(
        "select (select max(version) from ops.publications), count(*), count(*) filter (passed) "
        "from ops.check_results"
    ).fetchone()
    assert shown["Published version"][0] == str(version)
    assert shown["Checks run"][0] == f"{n_checks:,}" and n_checks > 100
    assert shown["Passed"][0] == f"{n_passed:,}"
    (quarantined,) = demo_published_con.execute("select count(*) from raw.quarantine").fetchone()
    by_reason = app.dataframe[2].value  # publications, checks, quarantine
    assert int(by_reason["rows_quarantined"].sum()) == quarantined > 0
    assert any("balance" in s.value for s in app.success)


@pytest.fixture(scope="module")
def older_publication(demo_run, tmp_path_factory) -> Path:
    """A copy of the demo warehouse as an older Touchpoint published it: no check results,
    no service issues, and a semantic manifest from before most metrics existed."""
    path = tmp_path_factory.mktemp("older") / "touchpoint.duckdb"
    shutil.copyfile(demo_run.warehouse, path)
    con = duckdb.connect(str(path))
    con.execute("drop table ops.check_results")
    con.execute("drop table marts.fct_service_issue")
    con.close()
    return path


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_explain_what_an_older_publication_lacks(
    monkeypatch, older_publication, demo_published_con, page
) -> None:
    app = open_app(monkeypatch, older_publication)
    render(app, page)
    if page == "customer_360":
        (customer_id,) = demo_published_con.execute(
            "select customer_id from marts.fct_service_issue limit 1"
        ).fetchone()
        app.text_input(key="customer_search").set_value(customer_id).run()
        assert not app.exception
    if page in ("customer_360", "data_health"):
        assert any("not available in this publication" in note.value for note in app.info)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_warm_renders_take_at_most_a_second(monkeypatch, demo_run, page) -> None:
    """After the first load, a page reads cached results of its publication version."""
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, page)  # the first load fills the caches
    warm = sorted(render(app, page) for _ in range(3))
    assert warm[1] <= 1.0, f"{page}: median warm render {warm[1]:.2f} s"


def test_service_tiles_equal_the_semantic_layer(monkeypatch, demo_run, demo_semantic_layer):
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "service")
    filters = shown_filters(app)
    labels = {m.name: tile_label(m.label, display_of(m)) for m in demo_semantic_layer.metrics}
    shown = tiles(app)
    expected = {
        labels[m]: expected_tile(demo_semantic_layer, m, filters) for m in SERVICE if m in labels
    }
    assert shown == expected


@pytest.mark.parametrize("outcome", ["NPS", "CSAT"])
def test_drivers_table_shows_the_mart(monkeypatch, demo_run, demo_published_con, outcome):
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "drivers")
    app.segmented_control(key="driver_outcome").set_value(outcome).run()
    assert not app.exception
    table = app.dataframe[0].value
    column = {"NPS": "nps", "CSAT": "csat"}[outcome]
    mart = demo_published_con.execute(
        f"select driver, bucket, {column}, {column}_difference from marts.mart_cx_ops_drivers"
    ).df()
    shown = table.set_index(["Driver", "Bucket"])[[outcome, "Difference"]].sort_index()
    mart["driver"] = mart["driver"].map(human_name)  # the page names drivers for readers
    expected = mart.set_index(["driver", "bucket"]).sort_index()
    assert len(shown) == len(expected) > 0
    assert shown[outcome].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True)
    assert shown["Difference"].tolist() == pytest.approx(
        expected[f"{column}_difference"].tolist(), nan_ok=True
    )
    # Plain-words claims only from buckets and baselines with enough answers; the rest marked.
    small = table.set_index(["Driver", "Bucket"])[f"Under {MIN_ANSWERS} answers"]
    claims = [m.value for m in app.markdown if m.value.startswith("- ")]
    if claims:
        claimed = table.loc[
            table["In plain words"].isin(
                [line[2:] for claim in claims for line in claim.splitlines()]
            )
        ]
        assert len(claimed) > 0 and not claimed[f"Under {MIN_ANSWERS} answers"].any()
    else:
        assert any(f"at least {MIN_ANSWERS} answers" in note.value for note in app.info)
    assert small.any(), "the demo has small buckets, and they are marked"


def test_channel_parity_shows_the_mart(monkeypatch, demo_run, demo_published_con) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "channels")
    filters = shown_filters(app)
    shown = app.dataframe[0].value
    mart = demo_published_con.execute(
        "select channel, month, conversion_rate, average_order_value, contacts_per_100_orders, csat "
        "from marts.mart_channel_parity where month between date_trunc('month', ?) and ? "
        "order by month, channel",
        [filters.start, filters.end],
    ).df()
    assert len(shown) == len(mart) > 0
    for column in ("conversion_rate", "average_order_value", "contacts_per_100_orders", "csat"):
        assert shown[column].tolist() == pytest.approx(mart[column].tolist(), nan_ok=True)
    # Channel-months whose CSAT rests on few answers are drawn as small samples, the others not.
    few = {
        channel
        for channel, answers in zip(
            shown["channel"], shown["csat_responses"].fillna(0), strict=True
        )
        if answers < MIN_ANSWERS
    }
    trends = json.loads(app.get("plotly_chart")[-1].proto.spec)
    marked = {t["name"] for t in trends["data"] if "circle-open" in t["marker"]["symbol"]}
    assert few and few <= marked, (few, marked)
    assert len({t["name"] for t in trends["data"]}) == len(set(shown["channel"]))  # a line each


def test_launches_show_the_mart_for_the_products_launched_in_the_data(
    monkeypatch, demo_run, demo_published_con
) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "launches")
    chosen = app.multiselect(key="launch_products").value
    assert chosen, "the products launched within the data are preselected"
    shown = app.dataframe[0].value
    mart = demo_published_con.execute(
        "select units, revenue, contacts_per_100_orders, csat "
        "from marts.mart_product_launch_health where list_contains(?, product_id) "
        "order by title, weeks_since_launch",
        [chosen],
    ).df()
    assert len(shown) == len(mart) > 0
    for column in mart.columns:
        assert shown[column].tolist() == pytest.approx(mart[column].tolist(), nan_ok=True)


def test_journey_conformance_shows_the_mart(monkeypatch, demo_run, demo_published_con) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, "journeys")
    journey = app.selectbox(key="designed_journey").value
    shown = app.dataframe[-1].value  # the flows table first, the designed steps last
    mart = demo_published_con.execute(
        "select step, journeys_reached, journeys_left_here from marts.mart_journey_conformance "
        "where journey = ? order by step_number",
        [journey],
    ).df()
    assert shown["Designed step"].tolist() == mart["step"].map(human_name).tolist()
    assert shown["Journeys reaching it"].tolist() == mart["journeys_reached"].tolist()
    assert shown["Left the path here"].tolist() == mart["journeys_left_here"].tolist()


def test_every_metric_declares_a_unit_the_dashboards_know(demo_semantic_layer) -> None:
    undeclared = {m.name: m.unit for m in demo_semantic_layer.metrics if m.unit not in KNOWN_UNITS}
    assert not undeclared


_SHORT = {"seconds": "s", "minutes": "min", "hours": "h", "days": "days"}


@pytest.mark.parametrize("page", ["scorecard", "service"])
def test_every_tile_shows_its_metrics_declared_unit(
    monkeypatch, demo_run, demo_semantic_layer, page
) -> None:
    app = open_app(monkeypatch, demo_run.warehouse)
    render(app, page)
    by_title = {tile_label(m.label, display_of(m)): m for m in demo_semantic_layer.metrics}
    shown = tiles(app)
    assert shown
    for title, (value, _change) in shown.items():
        metric = by_title[title]
        unit = metric.unit
        if value == "—":
            continue
        if unit == "share":
            assert value.endswith("%"), (title, value)
        elif unit in _SHORT:
            readable = _SHORT[str(metric.meta.get("display_unit") or unit)]
            assert value.endswith(f" {readable}"), (title, value)
        elif unit == "USD":
            assert value.lstrip("-").startswith("$"), (title, value)
        elif unit in ("count", "NPS points"):
            assert value.lstrip("-").replace(",", "").replace(".", "").isdigit(), (title, value)
        else:  # rates and scales: the title names the unit, the value is a bare number
            assert unit.removeprefix("points on ") in title, title
            assert value.replace(",", "").replace(".", "").isdigit(), (title, value)
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        axis = spec["layout"].get("yaxis", {}).get("title", {}).get("text") or ""
        assert axis.count("(") <= 1, f"unit named twice: {axis}"
