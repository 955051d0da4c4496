"""Erasure and suppression on a small raw layer: who is found, what is deleted, what stays
accounted for, and what a later delivery can no longer bring back. No pipeline run: the raw
layer is loaded by ingestion itself and the identity graph is written by hand."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingestion import get_spec, ingest_entity, reconcile
from ingestion.suppression import REASON_ERASED, REASON_ON_READ
from privacy.erasure import ErasureError, ErasureRequest, apply_erasure, plan_erasure
from privacy.keys import PrivacyKeyError
from privacy.suppression import ENV_PRIVACY_DIR, SUPPRESSION_FILE, SuppressionList
from tests.ingestion.landing import KLAVIYO_HEADER, jsonl, put

ANN_EMAIL, ANN_PHONE = "Ann.Lee@Example.com", "(212) 555-0147"
HOUSEHOLD_PHONE = "+12125550199"  # Ann and Bo share the landline: it identifies neither alone
ENTITIES = [
    ("shop", "customers"),
    ("shop", "orders"),
    ("billing", "charges"),
    ("billing", "refunds"),
    ("marketing", "email_events"),
    ("loyalty", "members"),
    ("loyalty", "points_events"),
]
LOYALTY = Path(__file__).resolve().parents[1] / "fixtures" / "landing_loyalty" / "loyalty"


def _customer(cid: int, email: str, first: str, phone: str | None) -> dict:
    return {
        "id": cid,
        "email": email,
        "first_name": first,
        "last_name": "Lee",
        "phone": phone,
        "created_at": "2026-01-05T09:03:11-05:00",
        "updated_at": "2026-01-05T09:03:11-05:00",
        "state": "enabled",
        "verified_email": True,
        "tags": "",
        "email_marketing_consent": {"state": "subscribed"},
        "default_address": {"phone": HOUSEHOLD_PHONE},
    }


def _order(oid: int, customer: int | None, email: str | None, phone: str | None = None) -> dict:
    return {
        "id": oid,
        "name": f"#{oid}",
        "email": email,
        "phone": phone,
        "created_at": "2026-03-02T10:00:00-05:00",
        "updated_at": "2026-03-02T10:00:00-05:00",
        "processed_at": "2026-03-02T10:00:00-05:00",
        "currency": "USD",
        "total_price": "10.00",
        "subtotal_price": "10.00",
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "financial_status": "paid",
        "source_name": "web",
        "customer": None if customer is None else {"id": customer, "email": email},
        "line_items": [],
        "fulfillments": [],
    }


def _orders() -> list[dict]:
    """Ann's order, Bo's, a guest order under her e-mail, one under the shared landline."""
    return [
        _order(5001, 7001, ANN_EMAIL),
        _order(5002, 7002, "bo@example.com"),
        _order(5003, None, " ann.lee@EXAMPLE.com"),
        _order(5004, None, None, HOUSEHOLD_PHONE),
    ]


def _charge(chid: str, order_id: int) -> dict:
    # No customer and no billing e-mail: only the order it paid ties it to a person.
    return {
        "id": chid,
        "object": "charge",
        "amount": 1000,
        "amount_refunded": 0,
        "currency": "usd",
        "created": 1772463631,
        "customer": None,
        "status": "succeeded",
        "paid": True,
        "refunded": False,
        "billing_details": {"email": None, "name": None, "phone": None},
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        "metadata": {"order_id": str(order_id)},
    }


def _refund(reid: str, charge: str) -> dict:
    return {
        "id": reid,
        "object": "refund",
        "amount": 1000,
        "charge": charge,
        "created": 1774015200,
        "currency": "usd",
        "status": "succeeded",
        "metadata": {},
    }


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOUCHPOINT_PRIVACY_KEY", "erasure-test-key-0123456789abcdef")
    monkeypatch.setenv(ENV_PRIVACY_DIR, str(tmp_path / "privacy"))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    put(
        folder,
        "shop/customers/2026-03-01.jsonl",
        jsonl(
            _customer(7001, ANN_EMAIL, "Ann", "+12125550147"),
            _customer(7002, "bo@example.com", "Bo", None),
        ),
    )
    # A second version of Ann's account: erasure removes every loaded version.
    put(folder, "shop/customers/2026-03-15.jsonl", jsonl(_customer(7001, ANN_EMAIL, "Ann", None)))
    put(folder, "shop/orders/2026-03-02.jsonl", jsonl(*_orders()))
    put(
        folder,
        "billing/charges/2026-03-02.jsonl",
        jsonl(_charge("ch_1", 5001), _charge("ch_2", 5002)),
    )
    put(folder, "billing/refunds/2026-03-20.jsonl", jsonl(_refund("re_1", "ch_1")))
    put(
        folder,
        "marketing/email_events/2026-03-02.csv",
        KLAVIYO_HEADER
        + "E1,P1,bo@example.com,Opened Email,2026-03-02 08:00:00,C1,Spring,Hello\n"
        # malformed (an unbalanced quote): quarantined with its raw text, her e-mail in it
        + 'E2,P2,"ann.lee@example.com,Opened Email,2026-03-02 08:00:00,C1,Spring,Hello\n',
    )
    # The optional loyalty system's export: Ann is member LM1001 (her e-mail), with two points
    # events; Dora (LM1002) is nobody else.
    shutil.copytree(LOYALTY, folder / "loyalty")
    return folder


@pytest.fixture
def built(key: None, landing: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The raw layer of `landing` and a hand-written identity graph: Ann and Bo, two people."""
    con = duckdb.connect()
    for system, entity in ENTITIES:
        ingest_entity(con, landing, get_spec(system, entity))
    con.execute("CREATE SCHEMA identity")
    con.execute(
        """CREATE TABLE identity.resolved_records AS SELECT * FROM (VALUES
        ('shop', 'customers', '7001', 'C_ANN', 'ann.lee@example.com', '+12125550147'),
        ('shop', 'customers', '7002', 'C_BO', 'bo@example.com', '+12125550199'),
        ('marketing', 'email_events', 'P1', 'C_BO', 'bo@example.com', NULL)
        ) t(source_system, source_entity, source_record_id, customer_id, email_key, phone_e164)"""
    )
    con.execute(
        "CREATE TABLE identity.customer_id_aliases AS SELECT 'C_OLD' AS retired_customer_id, "
        "'C_ANN' AS customer_id, now() AS retired_at"
    )
    yield con
    con.close()


def _ids(con: duckdb.DuckDBPyConnection, table: str, column: str = "id") -> list:
    return sorted(r[0] for r in con.execute(f"SELECT {column} FROM {table}").fetchall())


def test_erasure_finds_every_row_of_the_person_and_nobody_else(built) -> None:
    plan = plan_erasure(built, ErasureRequest(email="ANN.LEE@example.com"))
    assert plan.customers == ["C_ANN"]
    # both versions of her account, her order and her guest order, the charge and refund of
    # her order; not Bo's order, nor the guest order under the phone she shares with Bo
    assert plan.raw_rows == {
        "raw.shop__customers": 2,
        "raw.shop__orders": 2,
        "raw.billing__charges": 1,
        "raw.billing__refunds": 1,
        "raw.marketing__email_events": 0,
        "raw.loyalty__members": 2,  # both delivered versions of LM1001
        "raw.loyalty__points_events": 2,
    }
    assert plan.shared_contact_points == 0  # the shared landline is not in her identity record
    assert plan.free_text_rows["raw.quarantine"] == 1
    apply_erasure(built, plan)
    assert _ids(built, "raw.shop__customers") == [7002]
    assert _ids(built, "raw.shop__orders") == [5002, 5004]
    assert _ids(built, "raw.billing__charges") == ["ch_2"]
    assert _ids(built, "raw.billing__refunds") == []
    assert _ids(built, "raw.loyalty__members", "member_id") == ["LM1002"]
    assert _ids(built, "raw.loyalty__points_events", "event_id") == ["LE5003"]  # Dora's
    # her quarantined Klaviyo line is gone; Dora's malformed points event stays
    assert built.execute("SELECT system, entity FROM raw.quarantine").fetchall() == [
        ("loyalty", "points_events")
    ]
    assert _ids(built, "identity.resolved_records", "customer_id") == ["C_BO", "C_BO"]
    assert built.execute("SELECT count(*) FROM identity.customer_id_aliases").fetchone() == (0,)


def test_erased_rows_stay_accounted_for_in_reconciliation(built) -> None:
    apply_erasure(built, plan_erasure(built, ErasureRequest(customer_id="C_OLD")))
    for system, entity in ENTITIES:
        rec = reconcile(built, get_spec(system, entity))
        assert rec.ok, rec.describe()
    totals = reconcile(built, get_spec("shop", "orders")).totals()
    assert (totals["rows_loaded"], totals["rows_suppressed"]) == (2, 2)
    reasons = {r for (r,) in built.execute("SELECT reason FROM raw.suppressed_rows").fetchall()}
    assert reasons == {REASON_ERASED}


def test_a_redelivered_or_late_file_cannot_bring_the_person_back(built, landing) -> None:
    plan = plan_erasure(built, ErasureRequest(phone=ANN_PHONE))
    suppression = SuppressionList.load(Path("unused"))
    suppression.add(plan.hashes)
    apply_erasure(built, plan)
    # the shop re-delivers the orders file with a new order of hers; a late charge pays her
    # erased order
    put(landing, "shop/orders/2026-03-02.jsonl", jsonl(*_orders(), _order(5005, 7001, None)))
    put(landing, "billing/charges/2026-04-01.jsonl", jsonl(_charge("ch_9", 5001)))
    reloaded = SuppressionList.load(Path("unused"))
    orders = ingest_entity(built, landing, get_spec("shop", "orders"), suppression_list=reloaded)
    charges = ingest_entity(
        built, landing, get_spec("billing", "charges"), suppression_list=reloaded
    )
    assert _ids(built, "raw.shop__orders") == [5002, 5004]
    assert _ids(built, "raw.billing__charges") == ["ch_2"]
    assert (orders.rows_read, orders.rows_loaded, orders.rows_suppressed) == (5, 2, 3)
    assert charges.rows_suppressed == 1
    assert orders.reconciliation.ok and charges.reconciliation.ok
    on_read = built.execute(
        "SELECT sum(rows_suppressed) FROM raw.suppressed_rows WHERE reason = ?", [REASON_ON_READ]
    ).fetchone()
    assert on_read == (4,)


def test_suppression_on_read_drops_quarantined_lines_quoting_the_person(built, landing) -> None:
    suppression = SuppressionList.load(Path("unused"))
    suppression.add(plan_erasure(built, ErasureRequest(email=ANN_EMAIL)).hashes)
    put(
        landing,
        "marketing/email_events/2026-03-09.csv",
        KLAVIYO_HEADER + 'E3,P3,"ann.lee@example.com,Clicked Email,2026-03-09 08:00:00,C1,S,H\n',
    )
    res = ingest_entity(
        built, landing, get_spec("marketing", "email_events"), suppression_list=suppression
    )
    assert (res.rows_quarantined, res.rows_suppressed) == (0, 1)
    assert res.reconciliation.ok, res.reconciliation.describe()


def test_the_suppression_list_holds_no_clear_value(built, tmp_path) -> None:
    suppression = SuppressionList.load(Path("unused"))
    suppression.add(plan_erasure(built, ErasureRequest(email=ANN_EMAIL)).hashes)
    text = (tmp_path / "privacy" / SUPPRESSION_FILE).read_text().lower()
    assert json.loads(text)["hashes"]
    for clear in ("ann", "lee", "example.com", "2125550147", "7001", "5001", "ch_1"):
        assert clear not in text


def test_a_list_written_under_another_key_is_refused(built, monkeypatch) -> None:
    SuppressionList.load(Path("unused")).add({"0" * 64})
    monkeypatch.setenv("TOUCHPOINT_PRIVACY_KEY", "another-key-0123456789abcdef")
    with pytest.raises(PrivacyKeyError, match="another privacy key"):
        SuppressionList.load(Path("unused"))


def test_a_shared_contact_point_or_an_unknown_id_is_refused(built) -> None:
    built.execute(
        "INSERT INTO identity.resolved_records VALUES "
        "('shop', 'customers', '7009', 'C_KIM', 'bo@example.com', NULL)"
    )
    with pytest.raises(ErasureError, match="belongs to 2 customers"):
        plan_erasure(built, ErasureRequest(email="bo@example.com"))
    with pytest.raises(ErasureError, match="no customer C_NOBODY"):
        plan_erasure(built, ErasureRequest(customer_id="C_NOBODY"))


def test_suppression_reads_a_delivery_without_optional_keys(built, landing) -> None:
    suppression = SuppressionList.load(Path("unused"))
    suppression.add(plan_erasure(built, ErasureRequest(email=ANN_EMAIL)).hashes)
    bare = {k: v for k, v in _order(5010, None, None).items() if k not in ("customer", "email")}
    put(landing, "shop/orders/2026-04-01.jsonl", jsonl(bare, _order(5011, 7001, None)))
    res = ingest_entity(built, landing, get_spec("shop", "orders"), suppression_list=suppression)
    assert (res.rows_loaded, res.rows_suppressed) == (1, 1)
    assert res.reconciliation.ok


def test_an_unknown_email_finds_nothing_but_can_still_be_suppressed(built) -> None:
    plan = plan_erasure(built, ErasureRequest(email="nobody@example.com"))
    assert plan.nothing_found and plan.customers == [] and len(plan.hashes) == 1
