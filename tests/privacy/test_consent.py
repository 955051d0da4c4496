"""Consent honoured (DECISIONLOG D032) on the hand-made build: the e-mail audience admits opt-ins
only, e-mail engagement metrics leave out people who withdrew, and the unsubscribe rate still
counts the withdrawals themselves. Expected values come from the published marts, not from
the semantic layer under test."""

from __future__ import annotations

import duckdb
import pytest

from warehouse.semantic_layer import SemanticLayer


def _received_by_consent(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """E-mails received by people who withdrew consent, and by everyone else."""
    return con.execute(
        """select count(*) filter (where c.email_marketing_consent = false),
                  count(*) filter (where c.email_marketing_consent is distinct from false)
        from marts.fct_touchpoint as t
        left join marts.dim_customer as c on t.customer_id = c.customer_id
        where t.activity = 'received_email'"""
    ).fetchone()


def test_the_email_audience_holds_opt_ins_only(published_con: duckdb.DuckDBPyConnection) -> None:
    audience = {
        c
        for (c,) in published_con.execute(
            "select customer_id from marts.mart_email_audience"
        ).fetchall()
    }
    consent = dict(
        published_con.execute(
            "select customer_id, email_marketing_consent from marts.dim_customer "
            "where primary_email is not null"
        ).fetchall()
    )
    assert any(given is False for given in consent.values()), "the fixture needs a withdrawal"
    assert any(given is None for given in consent.values()), "and someone without a signal"
    assert audience and audience == {c for c, given in consent.items() if given is True}


def test_email_metrics_leave_out_people_who_withdrew(
    published_con: duckdb.DuckDBPyConnection, semantic_layer: SemanticLayer
) -> None:
    withdrawn, others = _received_by_consent(published_con)
    assert withdrawn > 0, "the fixture needs e-mails to someone who withdrew"
    values = semantic_layer.query(
        ["emails_received", "emails_received_all_recipients", "email_marketable_customers"]
    ).iloc[0]
    assert values["emails_received"] == others
    assert values["emails_received_all_recipients"] == others + withdrawn
    (audience,) = published_con.execute("select count(*) from marts.mart_email_audience").fetchone()
    assert values["email_marketable_customers"] == audience


def test_the_unsubscribe_rate_counts_every_recipient(
    published_con: duckdb.DuckDBPyConnection, semantic_layer: SemanticLayer
) -> None:
    withdrawn, others = _received_by_consent(published_con)
    (unsubscribes,) = published_con.execute(
        "select count(*) from marts.fct_touchpoint where activity = 'unsubscribed_from_email'"
    ).fetchone()
    assert unsubscribes > 0
    rate = semantic_layer.query(["unsubscribe_rate"]).iloc[0]["unsubscribe_rate"]
    assert rate == pytest.approx(unsubscribes / (withdrawn + others))


def test_segment_audiences_come_from_the_consenting_list(
    published_con: duckdb.DuckDBPyConnection, semantic_layer: SemanticLayer
) -> None:
    by_segment = semantic_layer.query(["email_marketable_customers"], ["customer__segment"])
    expected = dict(
        published_con.execute(
            "select segment, count(*) from marts.mart_email_audience group by segment"
        ).fetchall()
    )
    assert (
        dict(
            zip(
                by_segment["customer__segment"],
                by_segment["email_marketable_customers"],
                strict=True,
            )
        )
        == expected
    )
