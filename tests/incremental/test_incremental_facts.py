"""Incremental facts give the answer of a full build when what changed upstream is what the
hand-made deliveries of the same-answer test do not hold: identity resolution merging two
customers that both have activities, splitting one, identifying an anonymous device's earlier
activities, and an activity that is gone, arrives late or moves in time.

The suite's shared hand-made build (copied) has every upstream table; its journey stream
(`intermediate.int_touchpoints_unioned`) is changed in place as those events would change it,
then `fct_touchpoint` is built incrementally in one copy and with `--full-refresh` in another,
and the two are compared row for row. Costs two dbt runs of one model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from tests.helpers import PipelineRun
from tests.incremental.compare import canonical
from tests.incremental.dbt_copies import changed_copies, dbt_on

UNIONED = "intermediate.int_touchpoints_unioned"


def _streams_by_size(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Customers with activities, most activities first."""
    return [
        customer
        for (customer,) in con.execute(
            f"select customer_id from {UNIONED} where customer_id is not null "
            "group by customer_id order by count(*) desc, customer_id"
        ).fetchall()
    ]


def _change_the_journey_stream(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What identity resolution and late records would do to the stream; which customers."""
    first, second, third, fourth, *_ = _streams_by_size(con)
    # A merge: new evidence makes `second` the same person as `first` (ids stay the oldest's).
    con.execute(f"update {UNIONED} set customer_id = ? where customer_id = ?", [first, second])
    # A split: half of `third`'s activities turn out to be another person's.
    con.execute(
        f"""update {UNIONED} set customer_id = 'Csplit-of-third'
        where touchpoint_id in (
            select touchpoint_id from {UNIONED} where customer_id = ?
            order by occurred_at, touchpoint_id limit 2)""",
        [third],
    )
    # An anonymous device's activities identified (a later login on it).
    anonymous = con.execute(
        f"select anonymous_id from {UNIONED} where customer_id is null "
        "and anonymous_id is not null order by anonymous_id limit 1"
    ).fetchone()
    if anonymous:
        con.execute(
            f"update {UNIONED} set customer_id = ? where anonymous_id = ? and customer_id is null",
            [fourth, anonymous[0]],
        )
    # An activity gone (its record erased from a re-delivered file), one moved in time (a
    # corrected timestamp), and a late one older than the customer's others.
    con.execute(
        f"""delete from {UNIONED} where touchpoint_id = (
            select max(touchpoint_id) from {UNIONED} where customer_id = ?)""",
        [fourth],
    )
    con.execute(
        f"""update {UNIONED} set occurred_at = occurred_at - interval 400 day
        where touchpoint_id = (select min(touchpoint_id) from {UNIONED} where customer_id = ?)""",
        [first],
    )
    con.execute(
        f"""insert into {UNIONED}
        select * replace (touchpoint_id || ':late' as touchpoint_id,
                          occurred_at - interval 1 day as occurred_at)
        from {UNIONED}
        where touchpoint_id = (select max(touchpoint_id) from {UNIONED} where customer_id = ?)""",
        [first],
    )
    return {"first": first, "second": second, "third": third, "fourth": fourth}


@pytest.fixture(scope="module")
def both_builds(
    handmade_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, dict[str, Any], dict[str, str]]:
    """(incremental build, full build, the incremental build's run results, changed customers)."""
    incremental, full, changed = changed_copies(
        handmade_run.build_db,
        tmp_path_factory.mktemp("incremental_facts"),
        _change_the_journey_stream,
    )
    run_results = dbt_on(incremental, "run", "--select", "fct_touchpoint")
    dbt_on(full, "run", "--select", "fct_touchpoint", "--full-refresh")
    return incremental, full, run_results, changed


def test_fct_touchpoint_is_merged_not_rebuilt(both_builds) -> None:
    incremental, _, run_results, _ = both_builds
    (result,) = (r for r in run_results["results"] if r["unique_id"].startswith("model."))
    assert result["status"] == "success"
    (sql,) = (incremental.parent / "target" / "run").rglob("fct_touchpoint.sql")
    assert "merge into" in sql.read_text().lower()


def test_fct_touchpoint_equals_the_full_build_after_re_keys_and_late_records(
    both_builds,
) -> None:
    incremental, full, _, changed = both_builds
    got, want = (duckdb.connect(str(path), read_only=True) for path in (incremental, full))
    try:
        query = "select * from marts.fct_touchpoint"
        left, right = canonical(got.execute(query).df()), canonical(want.execute(query).df())
        pd.testing.assert_frame_equal(left, right, check_dtype=False)
        # the changes reached the fact: the merged customer's activities are the other's (but
        # its survey answers, which this test leaves as they were), the split one has its own
        moved = got.execute(
            "select count(*) from marts.fct_touchpoint "
            "where customer_id = ? and source_system <> 'surveys'",
            [changed["second"]],
        ).fetchone()
        assert moved == (0,)
        split = got.execute(
            "select count(*) from marts.fct_touchpoint where customer_id = 'Csplit-of-third'"
        ).fetchone()
        assert split == (2,)
        # and the merged stream is numbered as one: 1..n per activity, no gaps or repeats
        gaps = got.execute(
            """select count(*) from (
                select activity, count(*) as n, max(activity_occurrence) as top
                from marts.fct_touchpoint where customer_id = ? group by activity)
            where n <> top""",
            [changed["first"]],
        ).fetchone()
        assert gaps == (0,)
    finally:
        got.close()
        want.close()
