"""`touchpoint run` end to end on a landing folder written by hand to the input contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import PipelineRun, run_touchpoint
from warehouse.publication import latest_publication

pytestmark = pytest.mark.slow


def test_run_succeeds_and_reports_the_publication(handmade_run: PipelineRun) -> None:
    assert "OK: published warehouse version 1" in handmade_run.output
    assert handmade_run.warehouse.exists()


def test_only_valid_finished_responses_are_in_the_mart(published_con) -> None:
    ids = {
        row[0]
        for row in published_con.execute(
            "select response_id from marts.fct_survey_response"
        ).fetchall()
    }
    assert len(ids) == 10
    assert "R_1prevprevprevpr" not in ids  # Survey Preview
    assert "R_1unfinunfinunfi" not in ids  # Finished = False


def test_nps_matches_the_fixture(semantic_layer) -> None:
    # Q1 answers: March 10,9,9,8,7,6 -> (3-1)/6; April 3,10,0,9 -> (2-2)/4; all -> (5-3)/10.
    overall = semantic_layer.query(["nps", "nps_responses"])
    assert overall["nps"].iloc[0] == pytest.approx(20.0)
    assert overall["nps_responses"].iloc[0] == 10
    monthly = semantic_layer.query(["nps"], ["metric_time__month"], order_by=["metric_time__month"])
    assert [str(m)[:7] for m in monthly["metric_time__month"]] == ["2026-03", "2026-04"]
    assert monthly["nps"].tolist() == pytest.approx([100 * 2 / 6, 0.0])


def test_local_survey_times_are_stored_in_utc(published_con) -> None:
    # Recorded 2026-03-02 09:15:59 America/New_York (EST, UTC-5).
    (responded_at,) = published_con.execute(
        "select responded_at from marts.fct_survey_response where response_id = 'R_1aaaaaaaaaaaaaa'"
    ).fetchone()
    assert str(responded_at) == "2026-03-02 14:15:59"


def test_salesforce_15_character_reference_finds_the_contact(published_con) -> None:
    # R_1bbb... carries Bob's Contact Id in its 15-character form.
    respondent, contact_customer = published_con.execute(
        """
        select
            (select customer_id from marts.fct_survey_response where response_id = 'R_1bbbbbbbbbbbbbb'),
            (select customer_id from marts.customer_identity_map
             where source_system = 'crm' and source_record_id = '0035g00000XyZwVAAV')
        """
    ).fetchone()
    assert contact_customer is not None
    assert respondent == contact_customer


def test_publication_is_recorded(published_con, handmade_run: PipelineRun) -> None:
    publication = latest_publication(published_con)
    assert publication["version"] == 1
    assert Path(publication["landing_dir"]) == handmade_run.landing


def test_missing_landing_folder_is_a_clear_usage_error(tmp_path: Path) -> None:
    result = run_touchpoint(
        "run",
        "--landing",
        str(tmp_path / "nope"),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "landing folder" in result.stderr and "does not exist" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_environment_variables_are_the_defaults(tmp_path: Path, handmade_run: PipelineRun) -> None:
    """With no flags, TOUCHPOINT_LANDING_DIR and TOUCHPOINT_WAREHOUSE name the folder and the
    warehouse: the session's build of that folder is found, so the run has nothing new to do
    (a second full build would prove no more; without the variables the CLI would look for the
    demo landing folder instead)."""
    before = handmade_run.warehouse.stat()
    result = run_touchpoint(
        "run",
        cwd=tmp_path,
        env={
            "TOUCHPOINT_LANDING_DIR": str(handmade_run.landing),
            "TOUCHPOINT_WAREHOUSE": str(handmade_run.warehouse),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing new" in result.stdout, result.stdout + result.stderr
    assert (
        str(handmade_run.landing) in result.stdout and str(handmade_run.warehouse) in result.stdout
    )
    after = handmade_run.warehouse.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
