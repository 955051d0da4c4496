"""The journey marts on the hand-made landing folder: exact values for hand-checked cases.

The cases in tests/fixtures/landing_handmade:
- Bob calls, is transferred twice (Orders -> Returns -> Returns) and verified 1 + 2 + 1 times; the
  last agent logs the call as Zendesk ticket 1002 and moves it from Tier 1 to Returns.
- Cy's ticket 1003 asks for a refund (re_1003A, 55 minutes later); Cy calls about it while it is
  open and hangs up in the queue.
- Ann's e-mail ticket 1001 is answered and solved in 30 minutes; four days later she chats about
  sizing again (the repeat contact), and in April asks for a return through the returns portal.
- Bob tweets a complaint (a social ticket, still open); Bob's first order was a guest checkout.
- Cy reads a help article on the Android app before logging in; another device never logs in.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.helpers import PipelineRun

BOB_CHAIN = "6f1c2a9e-0b1d-4c3e-9a55-3c0d5e6f7a81"
CY_ABANDONED_CHAIN = "b2c3d4e5-6f70-4b8c-9dae-1f2a3b4c5d6e"
ANN_CHAT_CHAIN = "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> dict:
    cur = con.execute(sql, list(params))
    rows = cur.fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True))


def customer_of(con: duckdb.DuckDBPyConnection, system: str, entity: str, record_id: str) -> str:
    return one(
        con,
        "select customer_id from marts.customer_identity_map "
        "where source_system = ? and source_entity = ? and source_record_id = ?",
        system,
        entity,
        record_id,
    )["customer_id"]


def issue_of_ticket(con: duckdb.DuckDBPyConnection, ticket_id: str) -> dict:
    return one(
        con,
        "select issue.* from marts.fct_service_issue as issue "
        "join marts.fct_contact as contact using (issue_id) where contact.ticket_id = ?",
        ticket_id,
    )


def test_dbt_build_passes_every_model_and_test(handmade_run: PipelineRun):
    """Every dbt step of the pipeline run, unit and singular tests included, passed."""
    results = handmade_run.dbt_results()
    assert results, f"no dbt artifacts under {handmade_run.dbt_target}"
    assert handmade_run.dbt_problems() == []
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.touchpoint.")]
    journey_models = (
        "int_contact_chains_assembled",
        "int_service_issues_grouped",
        "int_ticket_histories_summarised",
        "fct_service_issue",
        "fct_order",
    )
    for model in journey_models:
        assert any(f".{model}." in r["unique_id"] for r in unit_tests), model
    singular = [
        r["unique_id"] for r in results if r["unique_id"].startswith("test.touchpoint.assert_")
    ]
    assert "test.touchpoint.assert_every_contact_belongs_to_an_issue" in singular


def test_every_system_and_channel_is_in_the_stream(journey_con):
    systems = {
        r[0]
        for r in journey_con.execute(
            "select distinct source_system from marts.fct_touchpoint"
        ).fetchall()
    }
    assert systems == {
        "crm",
        "shop",
        "billing",
        "support",
        "contact_center",
        "digital",
        "marketing",
        "surveys",
    }
    channels = {
        r[0]
        for r in journey_con.execute(
            "select distinct channel from marts.fct_touchpoint where channel is not null"
        ).fetchall()
    }
    assert channels >= {
        "web",
        "ios_app",
        "android_app",
        "store",
        "email",
        "phone",
        "chat",
        "social",
        "api",
        "survey",
    }
    activities = {
        r[0]
        for r in journey_con.execute(
            "select distinct activity from marts.fct_touchpoint"
        ).fetchall()
    }
    assert activities >= {
        "placed_order",
        "delivered_order",
        "made_payment",
        "received_refund",
        "opened_ticket",
        "solved_ticket",
        "rated_ticket",
        "called_contact_center",
        "chatted_with_contact_center",
        "started_session",
        "logged_in",
        "added_to_cart",
        "completed_checkout",
        "viewed_help_article",
        "clicked_contact_us",
        "received_email",
        "opened_email",
        "clicked_email",
        "unsubscribed_from_email",
        "bounced_email",
        "completed_survey",
        "created_crm_contact",
    }
    # GA4 stays lean: page and screen views are not activities
    assert (
        journey_con.execute(
            "select count(*) from marts.fct_touchpoint where source_system = 'digital'"
        ).fetchone()[0]
        < journey_con.execute("select count(*) from staging.stg_digital__events").fetchone()[0]
    )


def test_a_transferred_call_is_one_contact_with_its_transfers_and_auth_repeats(journey_con):
    bob = customer_of(journey_con, "support", "users", "9002")
    chain = one(
        journey_con, "select * from marts.fct_contact where initial_contact_id = ?", BOB_CHAIN
    )
    assert chain["contact_id"] == f"chain-{BOB_CHAIN}"
    assert (chain["legs"], chain["transfers"]) == (3, 2)
    assert (chain["auth_attempts"], chain["auth_repeats"]) == (4, 3)
    # Orders -> Returns is a handoff, Returns -> Returns is not; the logged ticket's group change
    # (Tier 1 -> Returns) is the other one
    assert (chain["n_queue_changes"], chain["n_group_changes"], chain["n_handoffs"]) == (1, 1, 2)
    assert chain["queue_path"] == "Orders > Returns > Returns"
    assert (chain["queue_seconds"], chain["hold_seconds"]) == (240, 90)
    assert chain["handle_seconds"] == (150 + 30 + 20) + (240 + 60 + 30) + (420 + 0 + 60)
    assert chain["customer_id"] == bob and chain["channel"] == "phone"
    assert not chain["is_abandoned"]
    # the ticket the last agent logged during the call is part of the call, not a second contact
    assert chain["ticket_id"] == "1002"
    assert (
        journey_con.execute(
            "select count(*) from marts.fct_contact where ticket_id = '1002'"
        ).fetchone()[0]
        == 1
    )
    issue = issue_of_ticket(journey_con, "1002")
    assert issue["issue_id"] == f"issue-chain-{BOB_CHAIN}"
    assert (
        issue["n_contacts"],
        issue["n_transfers"],
        issue["auth_repeats"],
        issue["n_handoffs"],
    ) == (1, 2, 3, 2)
    assert issue["first_reply_minutes"] == pytest.approx(10.0)
    assert issue["resolution_minutes"] == pytest.approx(30.0)  # 12:40 call -> 13:10 solve
    assert issue["is_first_contact_resolution"] is True


def test_refund_cycle_time_runs_from_the_ticket_that_asked_for_it(journey_con):
    issue = issue_of_ticket(journey_con, "1003")
    # ticket 1003 created 13:05 UTC, refund re_1003A succeeded with created 14:00 UTC
    assert issue["refund_id"] == "re_1003A"
    assert issue["refund_cycle_hours"] == pytest.approx(55 / 60)
    assert issue["contact_reason"] == "refund" and issue["order_id"] == "5003"
    refund = one(
        journey_con, "select * from marts.fct_touchpoint where activity = 'received_refund'"
    )
    assert refund["issue_id"] == issue["issue_id"]
    assert refund["revenue_impact"] == -89
    order = one(journey_con, "select * from marts.fct_order where order_id = '5003'")
    assert (order["refunded_amount"], order["net_revenue"]) == (89, 0)
    assert "billing" in issue["systems_touched"].split(",")


def test_first_contact_resolution_and_repeat_contact_on_constructed_cases(journey_con):
    # Ann: ticket 1001 solved, then a chat 4 days later -> a repeat contact, not FCR
    first = issue_of_ticket(journey_con, "1001")
    assert (first["n_contacts"], first["is_resolved"]) == (1, True)
    assert first["has_repeat_contact"] is True
    assert first["is_first_contact_resolution"] is False
    assert first["first_reply_minutes"] == pytest.approx(30.0)
    # the chat after the resolution is a new issue, resolved in one contact
    chat = one(
        journey_con, "select * from marts.fct_contact where initial_contact_id = ?", ANN_CHAT_CHAIN
    )
    assert chat["issue_id"] != first["issue_id"] and chat["grouping_rule"] == "new_issue"
    chat_issue = one(
        journey_con, "select * from marts.fct_service_issue where issue_id = ?", chat["issue_id"]
    )
    assert chat_issue["is_first_contact_resolution"] is True
    assert chat_issue["has_repeat_contact"] is False
    # Cy: the abandoned call about the open refund ticket joins its issue -> two contacts
    abandoned = one(
        journey_con,
        "select * from marts.fct_contact where initial_contact_id = ?",
        CY_ABANDONED_CHAIN,
    )
    assert abandoned["is_abandoned"] and abandoned["grouping_rule"] == "open_issue_followup"
    refund_issue = issue_of_ticket(journey_con, "1003")
    assert abandoned["issue_id"] == refund_issue["issue_id"]
    assert refund_issue["n_contacts"] == 2 and refund_issue["channels"] == "phone,web"
    assert refund_issue["is_first_contact_resolution"] is False
    # Bob's open social ticket: unresolved, so neither flag applies
    open_issue = issue_of_ticket(journey_con, "1004")
    assert open_issue["is_resolved"] is False
    assert open_issue["is_first_contact_resolution"] is None
    assert open_issue["has_repeat_contact"] is None
    # Ann's returns-portal ticket: one contact, answered in an hour, no contact after
    portal = issue_of_ticket(journey_con, "1005")
    assert portal["is_first_contact_resolution"] is True
    assert portal["first_reply_minutes"] == pytest.approx(60.0)


def test_a_devices_anonymous_events_belong_to_whoever_logs_in_on_it(journey_con):
    cy = customer_of(journey_con, "shop", "customers", "7003")
    events = journey_con.execute(
        "select activity, customer_id from marts.fct_touchpoint "
        "where anonymous_id = '5566778899.1712700000' order by occurred_at"
    ).fetchall()
    assert events == [("started_session", cy), ("viewed_help_article", cy), ("logged_in", cy)]
    never = journey_con.execute(
        "select count(*), count(customer_id) from marts.fct_touchpoint "
        "where anonymous_id = '998877.1711000000'"
    ).fetchone()
    assert never == (3, 0)
    assert (
        journey_con.execute(
            "select count(*) from marts.fct_touchpoint "
            "where customer_id is null and anonymous_id is null and source_system <> 'surveys'"
        ).fetchone()[0]
        == 0
    )


def test_a_guest_order_belongs_to_whom_its_email_resolves_to(journey_con):
    bob = customer_of(journey_con, "support", "users", "9002")
    order = one(journey_con, "select * from marts.fct_order where order_id = '5001'")
    assert order["is_guest_checkout"] and order["customer_match"] == "guest_email"
    assert order["customer_id"] == bob
    assert (order["order_sequence_number"], order["is_repeat_order"]) == (1, False)
    assert order["net_revenue"] == 89 and order["delivered_at"] is not None


def test_survey_responses_point_to_the_issue_of_their_ticket(journey_con):
    issues = dict(
        journey_con.execute(
            "select response_id, issue_id from marts.fct_survey_response "
            "where trigger = 'ticket_solved'"
        ).fetchall()
    )
    assert issues == {
        "R_1aaaaaaaaaaaaaa": issue_of_ticket(journey_con, "1001")["issue_id"],
        "R_1ffffffffffffff": f"issue-chain-{BOB_CHAIN}",
        "R_2aaaaaaaaaaaaaa": issue_of_ticket(journey_con, "1003")["issue_id"],
    }
    cy = customer_of(journey_con, "shop", "customers", "7003")
    assert (
        one(
            journey_con,
            "select customer_id from marts.fct_survey_response "
            "where response_id = 'R_1cccccccccccccc'",
        )["customer_id"]
        == cy
    )


def test_activity_occurrence_counts_and_points_to_the_next_time(journey_con):
    ann = customer_of(journey_con, "shop", "customers", "7001")
    opened = journey_con.execute(
        "select source_record_id, activity_occurrence, activity_repeated_at, occurred_at "
        "from marts.fct_touchpoint where customer_id = ? and activity = 'opened_ticket' "
        "order by occurred_at",
        [ann],
    ).fetchall()
    assert [(r[0], r[1]) for r in opened] == [("1001", 1), ("1005", 2)]
    assert opened[0][2] == opened[1][3] and opened[1][2] is None
