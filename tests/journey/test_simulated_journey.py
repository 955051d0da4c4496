"""The whole build on the demo company: it completes, and the journey marts are plausible and
agree with the simulator's ground truth (truth/issues.csv: which tickets and call chains make
one issue, and each issue's contacts, transfers, handoffs, auth repeats, hold and FCR)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DemoRun
from warehouse.connections import connect_published

pytestmark = pytest.mark.slow


@pytest.fixture()
def simulated(demo_run: DemoRun) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    con = connect_published(demo_run.build_db)  # the build: truth is compared in clear
    yield demo_run.truth_dir, con
    con.close()


def test_the_whole_build_completes(demo_run: DemoRun):
    assert demo_run.pipeline.dbt_results(), "no dbt artifacts"
    assert demo_run.pipeline.dbt_problems() == []


def test_the_journey_marts_are_plausible(simulated):
    _truth, con = simulated
    systems = {
        r[0]
        for r in con.execute("select distinct source_system from marts.fct_touchpoint").fetchall()
    }
    assert len(systems) == 8
    channels = {
        r[0]
        for r in con.execute(
            "select distinct channel from marts.fct_touchpoint where channel is not null"
        ).fetchall()
    }
    assert len(channels) >= 8, channels
    identified = con.execute(
        "select avg((customer_id is not null)::int) from marts.fct_touchpoint "
        "where source_system <> 'digital'"
    ).fetchone()[0]
    assert identified > 0.9
    orders, repeat_share, net = con.execute(
        "select count(*), avg(is_repeat_order::int), sum(net_revenue) from marts.fct_order "
        "where not is_cancelled"
    ).fetchone()
    assert orders > 0 and net > 0 and 0 <= repeat_share < 1
    issues, resolved, fcr, contacts, transfers = con.execute(
        "select count(*), avg(is_resolved::int), avg(is_first_contact_resolution::int), "
        "avg(n_contacts), avg(n_transfers) from marts.fct_service_issue"
    ).fetchone()
    assert issues > 0 and resolved > 0.8
    assert 0.3 < fcr < 1 and 1 <= contacts < 3 and transfers < 2
    cycle = con.execute(
        "select min(refund_cycle_hours), max(refund_cycle_hours) from marts.fct_service_issue"
    ).fetchone()
    assert cycle[0] is None or 0 <= cycle[0] <= cycle[1] < 24 * 30


def test_issues_match_the_simulators_ground_truth(simulated):
    truth, con = simulated
    con.execute(
        f"create temp table truth as select * from read_csv('{truth / 'issues.csv'}', "
        "all_varchar = true)"
    )
    con.execute("""
        create temp table pairs as
        with members as (
            select issue_id, 'ticket' as kind, unnest(string_split(ticket_ids, ';')) as key
            from truth where coalesce(ticket_ids, '') <> ''
            union all
            select issue_id, 'chain', unnest(string_split(initial_contact_ids, ';'))
            from truth where coalesce(initial_contact_ids, '') <> ''
        ),
        ours as (
            select issue_id, 'ticket' as kind, ticket_id as key
            from marts.fct_contact where ticket_id is not null
            union all
            select issue_id, 'chain', initial_contact_id
            from marts.fct_contact where initial_contact_id is not null
        )
        select distinct members.issue_id as truth_issue, ours.issue_id as our_issue
        from members join ours using (kind, key)""")
    n_truth, exact = con.execute("""
        with one_to_one as (
            select truth_issue, any_value(our_issue) as our_issue
            from pairs group by truth_issue having count(distinct our_issue) = 1
        )
        select
            (select count(distinct truth_issue) from pairs),
            count(*) filter (where our_issue in (
                select our_issue from pairs group by our_issue
                having count(distinct truth_issue) = 1))
        from one_to_one""").fetchone()
    assert n_truth > 5
    assert exact / n_truth >= 0.9, (exact, n_truth)
    agreement = con.execute("""
        select
            avg((t.n_contacts::int = i.n_contacts)::int),
            avg((t.transfers::int = i.n_transfers)::int),
            avg((t.auth_repeats::int = i.auth_repeats)::int),
            avg((t.hold_seconds::int = i.hold_seconds)::int),
            avg((t.handoffs::int = i.n_handoffs)::int),
            avg(((t.reopened = 'true') = i.is_reopened)::int),
            avg(((t.first_contact_resolution = 'true')
                 = coalesce(i.is_first_contact_resolution, false))::int)
        from pairs
        join truth as t on pairs.truth_issue = t.issue_id
        join marts.fct_service_issue as i on pairs.our_issue = i.issue_id""").fetchone()
    assert min(agreement) >= 0.85, agreement
