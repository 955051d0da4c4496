"""Hostile input in the dashboards: every text input and URL query parameter, fed SQL, HTML and
script, markdown links, control characters and very long strings, changes nothing, raises
nothing and renders no HTML; HTML in the data itself is shown as text; a damaged publication
is a message on every page, never a traceback (issue 16)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest import PAGES, open_app, render
from warehouse.connections import connect_published
from warehouse.publication import restricted_publication_path

HOSTILE = {
    "sql quote": "' OR '1'='1' --",
    "sql statement": "x'; DROP TABLE marts.dim_customer; SELECT '",
    "sql dollar-quoted": "$$; COPY marts.dim_customer TO '/tmp/leak.csv'; $$",
    "script tag": "<script>alert(document.cookie)</script>",
    "html event handler": '"><img src=x onerror="alert(1)">',
    "markdown link": "[click me](javascript:alert(1))",
    "streamlit markdown": ":red[**LOUD**] $\\LaTeX$ :material/warning:",
    "control characters": "a\x00b\x07c\r\nd\u202eevil\u200b",
    "format strings": "%s %d {0} {{7*7}} ${7*7}",
    "path": "../../../../etc/passwd",
    "very long": "A" * 100_000,
    "very long unicode": "é😀" * 50_000,
}


def warehouse_counts(warehouse: Path) -> tuple[int, int]:
    con = connect_published(warehouse)
    try:
        return con.execute(
            "select (select count(*) from marts.dim_customer), "
            "(select max(version) from ops.publications)"
        ).fetchone()
    finally:
        con.close()


def assert_no_html_rendered(app: AppTest) -> None:
    """Nothing on the page may render raw HTML: markdown must not allow it and no st.html."""
    assert not [m.value[:80] for m in app.markdown if m.allow_html]
    assert not app.get("html")


def rendered(app: AppTest) -> list:
    """What the page shows, element by element. A Plotly chart is compared by its figure, not by
    the order its JSON keys happen to be written in (Plotly writes layout keys in the order they
    were set, which differs between a first render and a re-render) nor by the element id that
    Streamlit derives from those bytes."""
    shown = []
    for element in app.main:
        proto = element.proto
        if proto is not None and proto.DESCRIPTOR.name == "PlotlyChart":
            shown.append((proto.theme, json.loads(proto.spec), proto.config))
        else:
            shown.append(proto)
    return shown


def assert_clean(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert_no_html_rendered(app)


@pytest.fixture()
def app(monkeypatch, handmade_warehouse) -> AppTest:
    return open_app(monkeypatch, handmade_warehouse)


def test_every_text_input_takes_hostile_text(app, handmade_warehouse) -> None:
    before = warehouse_counts(handmade_warehouse)
    inputs_seen = 0
    for page in PAGES:
        render(app, page)
        for text_input in list(app.text_input):
            inputs_seen += 1
            for name, text in HOSTILE.items():
                app.text_input(key=text_input.key).set_value(text).run()
                assert not app.exception, (page, name, [e.value for e in app.exception])
                assert_no_html_rendered(app)
                shown = [m.value for m in app.markdown] + [s.value for s in app.subheader]
                assert not any(text in value for value in shown if len(text) > 20), (page, name)
    assert inputs_seen >= 1  # Customer 360's search; a new text input is covered by this loop
    assert warehouse_counts(handmade_warehouse) == before


def test_customer_search_matches_no_one_with_hostile_text(app) -> None:
    render(app, "customer_360")
    for name, text in HOSTILE.items():
        app.text_input(key="customer_search").set_value(text).run()
        assert_clean(app)
        assert [w.value for w in app.warning] == ["No customer matches that search."], name
        assert not app.dataframe and not app.metric, name


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_ignores_hostile_query_parameters(monkeypatch, handmade_warehouse, page):
    """No page reads st.query_params today; a URL full of hostile parameters must not matter."""
    app = open_app(monkeypatch, handmade_warehouse)
    render(app, page)
    app.run()  # the baseline is a re-render: Plotly fills some defaults on a figure's first build
    expected = rendered(app)
    for name, text in HOSTILE.items():
        app.query_params[name.replace(" ", "_")] = text
    app.query_params["customer_search"] = HOSTILE["script tag"]
    app.query_params[HOSTILE["script tag"]] = HOSTILE["sql statement"]
    app.run()
    assert_clean(app)
    assert rendered(app) == expected


@pytest.fixture()
def hostile_customer(tmp_path, handmade_warehouse) -> tuple[Path, str, str]:
    """A copy of the published warehouse in which one customer's name and e-mail are HTML and
    markdown, as a source system could deliver them: in the restricted publication, where a
    steward sees them in clear. (The copy has no publication record, so editing it is not
    taken for damage.)"""
    warehouse = tmp_path / "touchpoint.duckdb"
    shutil.copy(handmade_warehouse, warehouse)
    restricted = restricted_publication_path(warehouse)
    shutil.copy(restricted_publication_path(handmade_warehouse), restricted)
    name = "<script>alert(1)</script> **Bold** [x](javascript:alert(2))"
    email = "<img src=x onerror=alert(3)>@example.com"
    con = duckdb.connect(str(restricted))
    (customer_id,) = con.execute(
        "select customer_id from marts.dim_customer order by customer_id limit 1"
    ).fetchone()
    con.execute(
        "update marts.dim_customer set full_name = ?, primary_email = ? where customer_id = ?",
        [name, email, customer_id],
    )
    con.close()
    return warehouse, customer_id, name


def test_html_in_the_data_is_shown_as_text(monkeypatch, hostile_customer) -> None:
    warehouse, customer_id, name = hostile_customer
    app = open_app(monkeypatch, warehouse)
    render(app, "customer_360")
    app.text_input(key="customer_search").set_value(customer_id).run()
    assert_clean(app)
    app.toggle(key="show_pii").set_value(True).run()
    assert_clean(app)
    assert next(s.value for s in app.subheader) == name  # the page shows it, as text


def test_a_damaged_publication_is_a_message_on_every_page(monkeypatch, tmp_path) -> None:
    """Not slow: the warehouse is a file of random bytes."""
    warehouse = tmp_path / "touchpoint.duckdb"
    warehouse.write_bytes(os.urandom(1 << 20))
    app = open_app(monkeypatch, warehouse)
    for page in PAGES:
        render(app, page)
        errors = [e.value for e in app.error]
        assert any("is damaged" in error and str(warehouse) in error for error in errors), page


def test_a_damaged_block_is_a_message_not_a_traceback(
    monkeypatch, tmp_path, handmade_warehouse
) -> None:
    """A copy of the published warehouse whose bytes are overwritten in the middle: it opens,
    and DuckDB's block checksum fails while a page reads it."""
    warehouse = tmp_path / "touchpoint.duckdb"
    shutil.copy(handmade_warehouse, warehouse)
    size = warehouse.stat().st_size
    damaged_pages = []
    for offset in range(size // 8, size, size // 8):  # damage until some page reads a bad block
        with warehouse.open("r+b") as file:
            file.seek(offset)
            file.write(os.urandom(64 << 10))
    app = open_app(monkeypatch, warehouse)
    for page in PAGES:
        render(app, page)
        if any("is damaged" in e.value for e in app.error):
            damaged_pages.append(page)
    assert damaged_pages, "no page read a damaged block"
