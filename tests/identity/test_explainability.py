"""Every merge explained: the edge table, steward overrides, run health and `identity explain`."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from identity import RESOLVED_EDGES, RUNS, ResolutionConfig, resolve, resolve_in_warehouse
from identity.explain import explain
from identity.monitoring import cluster_sizes, customer_count_change
from identity.overrides import Override, load_overrides
from orchestration import cli
from tests.identity.builders import customers, records, same
from tests.identity.test_store import _load

DETERMINISTIC = ResolutionConfig(probabilistic=None)

ANN_SHOP = dict(
    system="shop",
    id="1",
    first_name="Ann",
    last_name="Lee",
    email="ann@x.com",
    phone="+12125550101",
    shop_customer_id="1",
    observed_at="2025-01-01",
)
ANN_CRM = dict(
    system="crm",
    id="003A",
    first_name="Ann",
    last_name="Lee",
    email="ann@x.com",
    salesforce_contact_id="003A",
    shop_customer_id="1",
    observed_at="2025-02-01",
)
ANN_NEWS = dict(system="marketing", id="K1", email="ann@x.com", observed_at="2025-03-01")
ANN_CALL = dict(system="contact_center", id="c1", phone="(212) 555-0101", observed_at="2025-04-01")
BOB = dict(
    system="shop",
    id="2",
    first_name="Bob",
    last_name="Kim",
    email="bob@y.com",
    shop_customer_id="2",
    observed_at="2025-01-01",
)
BOB_TWIN = dict(
    system="support",
    id="9",
    first_name="Bob",
    last_name="Kim",
    email="bob@y.com",
    zendesk_user_id="9",
    observed_at="2025-05-01",
)


def _key(system: str, entity: str, record_id: str) -> tuple[str, str, str]:
    return (system, entity, record_id)


def test_edges_connect_every_customer_and_name_their_rule() -> None:
    out = resolve(records(ANN_SHOP, ANN_CRM, ANN_NEWS, ANN_CALL, BOB), config=DETERMINISTIC)
    edges = out.edges
    ann = customers(out.records)["1"]
    ann_edges = edges[edges["customer_id"] == ann]
    # three edges connect Ann's four records: the shop id, the e-mail and the phone
    assert len(ann_edges) == 3 and ann_edges["linked"].all()
    by_right = dict(zip(ann_edges["right_source_record_id"], ann_edges["rule"], strict=True))
    assert by_right == {"003A": "shop_customer_id", "K1": "email", "c1": "phone"}
    assert (ann_edges["match_probability"] == 1.0).all()
    assert edges[edges["customer_id"] == customers(out.records)["2"]].empty  # a singleton


def test_force_split_keeps_two_records_apart_and_shows_in_the_edges() -> None:
    recs = records(BOB, BOB_TWIN)
    assert same(customers(resolve(recs, config=DETERMINISTIC).records), "2", "9")
    split = [
        Override(
            "force_split",
            _key("shop", "customers", "2"),
            _key("support", "users", "9"),
            "twins sharing a mailbox",
        )
    ]
    out = resolve(recs, config=DETERMINISTIC, overrides=split)
    assert not same(customers(out.records), "2", "9")
    row = out.edges[out.edges["rule"] == "steward_force_split"].iloc[0]
    assert not row["linked"] and row["reason"] == "twins sharing a mailbox"
    assert out.stats["overrides_split"] == 1


def test_force_split_against_explicit_ids_takes_the_second_record_out() -> None:
    split = [
        Override(
            "force_split",
            _key("shop", "customers", "1"),
            _key("crm", "contacts", "003A"),
            "contact linked to the wrong account",
        )
    ]
    ids = customers(
        resolve(records(ANN_SHOP, ANN_CRM), config=DETERMINISTIC, overrides=split).records
    )
    assert not same(ids, "1", "003A")


def test_force_merge_joins_two_customers_unless_a_split_forbids_it() -> None:
    merge = Override(
        "force_merge",
        _key("shop", "customers", "1"),
        _key("shop", "customers", "2"),
        "confirmed by phone",
    )
    out = resolve(records(ANN_SHOP, BOB), config=DETERMINISTIC, overrides=[merge])
    assert same(customers(out.records), "1", "2")
    methods = dict(zip(out.records["source_record_id"], out.records["match_method"], strict=True))
    assert methods["2"] == "steward_force_merge"
    edge = out.edges[out.edges["rule"] == "steward_force_merge"]
    assert len(edge) == 1 and edge["reason"].iloc[0] == "confirmed by phone"

    split = Override("force_split", merge.left, merge.right, "no, two people")
    out = resolve(records(ANN_SHOP, BOB), config=DETERMINISTIC, overrides=[merge, split])
    assert not same(customers(out.records), "1", "2")
    missing = Override("force_merge", merge.left, _key("shop", "customers", "404"), "typo")
    out = resolve(records(ANN_SHOP, BOB), config=DETERMINISTIC, overrides=[missing])
    assert out.stats["overrides_unmatched"] == 1


def test_override_file_is_validated(tmp_path: Path) -> None:
    assert load_overrides(tmp_path / "none.yml") == []
    good = tmp_path / "ok.yml"
    good.write_text(
        "force_merge:\n  - records: [shop/customers/1, crm/contacts/003A]\n"
        "    reason: same person\nforce_split: []\n"
    )
    assert load_overrides(good) == [
        Override(
            "force_merge",
            _key("shop", "customers", "1"),
            _key("crm", "contacts", "003A"),
            "same person",
        )
    ]
    for text in (
        "force_merge:\n  - records: [shop/customers/1, crm/contacts/003A]\n",
        "force_merge:\n  - records: [shop/1, crm/contacts/003A]\n    reason: x\n",
        "merge_these: []\n",
    ):
        bad = tmp_path / "bad.yml"
        bad.write_text(text)
        with pytest.raises(ValueError):
            load_overrides(bad)


def test_the_shipped_override_file_loads() -> None:
    assert isinstance(load_overrides(), list)


def test_warehouse_keeps_edges_and_run_history_and_checks_health() -> None:
    con = duckdb.connect()
    _load(con, records(ANN_SHOP, ANN_CRM, ANN_NEWS, BOB))
    resolve_in_warehouse(con, config=DETERMINISTIC, overrides=[])
    assert con.execute(f"select count(*) from {RESOLVED_EDGES}").fetchone() == (2,)
    assert customer_count_change(con).passed  # nothing to compare with yet
    sizes = cluster_sizes(con)
    assert sizes.passed and sizes.metadata["largest_customer_records"] == 3
    assert not cluster_sizes(con, max_records=2).passed

    many = [
        dict(
            system="shop",
            id=str(n),
            first_name=f"P{n}",
            last_name="X",
            shop_customer_id=str(n),
            observed_at="2025-01-01",
        )
        for n in range(10, 20)
    ]
    _load(con, records(ANN_SHOP, ANN_CRM, ANN_NEWS, BOB, *many))
    resolve_in_warehouse(con, config=DETERMINISTIC, overrides=[])
    change = customer_count_change(con)
    assert con.execute(f"select count(*) from {RUNS}").fetchone() == (2,)
    assert not change.passed and change.metadata["previous_customers"] == 2


def _published(tmp_path: Path) -> Path:
    """A warehouse file with the tables `explain` reads, from a real resolution."""
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    _load(con, records(ANN_SHOP, ANN_CRM, ANN_NEWS, ANN_CALL, BOB))
    resolve_in_warehouse(con, config=DETERMINISTIC, overrides=[])
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_customer_identity_map as select source_system, "
        "source_entity, source_record_id, customer_id, match_method, match_probability "
        "from identity.resolved_records"
    )
    con.execute(f"create table marts.dim_customer_identity_edge as select * from {RESOLVED_EDGES}")
    con.close()
    return path


def test_explain_lists_records_and_links(tmp_path: Path) -> None:
    path = _published(tmp_path)
    con = duckdb.connect(str(path), read_only=True)
    ann = con.execute(
        "select customer_id from marts.dim_customer_identity_map where source_record_id = '1'"
    ).fetchone()[0]
    text = explain(con, ann)
    assert f"customer {ann}" in text and "4 records:" in text and "3 links:" in text
    assert "shop/customers/1" in text and "Ann Lee" in text and "(no name)" in text
    assert "shop_customer_id" in text and "email" in text and "phone" in text
    with pytest.raises(LookupError):
        explain(con, "C-unknown")
    con.close()


def test_cli_identity_explain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # explain reads the private build beside the published file (identifiers in clear)
    monkeypatch.delenv("TOUCHPOINT_BUILD_DIR", raising=False)
    path = tmp_path / "touchpoint.duckdb"
    build_db = tmp_path / ".touchpoint.build" / "touchpoint.duckdb"
    build_db.parent.mkdir()
    _published(tmp_path).rename(build_db)
    con = duckdb.connect(str(build_db), read_only=True)
    ann = con.execute(
        "select customer_id from marts.dim_customer_identity_map where source_record_id = '1'"
    ).fetchone()[0]
    con.close()
    assert cli.main(["identity", "explain", ann, "--warehouse", str(path)]) == cli.EXIT_OK
    assert "3 links:" in capsys.readouterr().out
    assert (
        cli.main(["identity", "explain", "C-unknown", "--warehouse", str(path)]) == cli.EXIT_USAGE
    )
    assert (
        cli.main(["identity", "explain", ann, "--warehouse", str(tmp_path / "no.duckdb")])
        == cli.EXIT_USAGE
    )


def test_edges_frame_has_the_published_columns() -> None:
    out = resolve(records(ANN_SHOP), config=DETERMINISTIC)
    assert isinstance(out.edges, pd.DataFrame) and out.edges.empty
