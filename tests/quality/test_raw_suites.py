"""GX suites: pass on clean data, flag a few bad values, fail (blocking) on a systematic break."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion import SPECS, get_spec, ingest_all, ingest_entity
from orchestration.defs import ingestion as ingestion_defs
from orchestration.defs import quality as quality_defs
from orchestration.lib.resources import WarehouseResource
from quality.raw import validate_raw_entity
from quality.runner import Runner
from tests.ingestion.landing import HANDMADE, KLAVIYO_HEADER, klaviyo_row, put
from warehouse.settings import TouchpointPaths

SURVEY = (HANDMADE / "surveys/responses/2026-03-31.csv").read_text(encoding="utf-8")
HEADER = "".join(SURVEY.splitlines(keepends=True)[:3])
ROW = "2026-03-02 09:15:00,2026-03-02 09:15:59,IP Address,100,180,True,2026-03-02 09:15:59,R_{i},,,email,EN,{q1},5,7,,relationship,,\r\n"


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner()


def _surveys(tmp_path: Path, q1_values: list[int]) -> duckdb.DuckDBPyConnection:
    landing = tmp_path / "landing"
    put(
        landing,
        "surveys/responses/2026-03-31.csv",
        HEADER + "".join(ROW.format(i=f"x{i:05d}", q1=q) for i, q in enumerate(q1_values)),
    )
    con = duckdb.connect()
    ingest_entity(con, landing, get_spec("surveys", "responses"))
    return con


def test_every_suite_passes_on_the_handmade_extracts(runner):
    con = duckdb.connect()
    ingest_all(con, HANDMADE)
    # the optional loyalty system is not in the hand-made folder: its own small export
    ingest_all(con, HANDMADE.parent / "landing_loyalty", [s for s in SPECS if s.optional])
    for spec in SPECS:
        r = validate_raw_entity(con, spec.system, spec.entity, runner=runner)
        assert r.passed, (spec.table, r.blocking_failures)
        assert r.rows_validated == r.rows_total > 0


def test_a_few_out_of_domain_values_are_flagged_but_do_not_block(tmp_path, runner):
    con = _surveys(tmp_path, [9] * 199 + [11])  # 0.5 % NPS 11
    r = validate_raw_entity(con, "surveys", "responses", runner=runner)
    assert r.passed
    flagged = {(o.column, o.unexpected_count) for o in r.warnings}
    assert ("Q1", 1) in flagged


def test_a_systematic_break_fails_blocking(tmp_path, runner):
    con = _surveys(tmp_path, [9] * 150 + [11] * 50)  # 25 % out of range
    r = validate_raw_entity(con, "surveys", "responses", runner=runner)
    assert not r.passed
    (q1,) = [o for o in r.blocking_failures if o.column == "Q1"]
    assert q1.unexpected_count == 50 and "11" in q1.examples


def test_duplicate_key_versions_are_flagged_not_blocking(tmp_path, runner):
    landing = tmp_path / "landing"
    rows = "".join(klaviyo_row(i) for i in range(20))
    put(landing, "marketing/email_events/2026-03-02.csv", KLAVIYO_HEADER + rows)
    put(
        landing, "marketing/email_events/2026-03-03.csv", KLAVIYO_HEADER + rows
    )  # same events resent
    con = duckdb.connect()
    ingest_entity(con, landing, get_spec("marketing", "email_events"))
    r = validate_raw_entity(con, "marketing", "email_events", runner=runner)
    # key + delivery date: the same event in two deliveries is two versions, not a duplicate
    assert r.passed
    con.execute("UPDATE raw.marketing__email_events SET _delivery_date = DATE '2026-03-02'")
    r = validate_raw_entity(con, "marketing", "email_events", runner=runner)
    # the same record re-sent is a defect the contract expects (staging keeps one): flagged only
    assert r.passed
    flagged = [o for o in r.outcomes if o.column == "_q_rows_per_key_version" and not o.success]
    assert flagged and flagged[0].severity == "warning" and flagged[0].unexpected_count == 40


def test_occasional_defects_in_a_small_table_do_not_block(tmp_path, runner):
    # 2 of 57 rows out of range (3.5 %) is chance at a 2 % defect rate; 12 of 57 is not.
    occasional = validate_raw_entity(
        _surveys(tmp_path / "a", [9] * 55 + [11] * 2), "surveys", "responses", runner=runner
    )
    assert occasional.passed
    systematic = validate_raw_entity(
        _surveys(tmp_path / "b", [9] * 45 + [11] * 12), "surveys", "responses", runner=runner
    )
    assert [o.column for o in systematic.blocking_failures] == ["Q1"]


def test_big_tables_are_sampled(tmp_path, runner):
    con = _surveys(tmp_path, [9] * 300)
    r = validate_raw_entity(con, "surveys", "responses", runner=runner, sample_rows=100)
    assert (r.rows_total, r.rows_validated) == (300, 100) and r.passed and r.notes


def test_blocking_check_stops_downstream_and_writes_a_report(tmp_path):
    landing = tmp_path / "landing"
    put(
        landing,
        "surveys/responses/2026-03-31.csv",
        HEADER + "".join(ROW.format(i=f"x{i}", q1=11) for i in range(10)),
    )
    paths = TouchpointPaths(
        landing_dir=landing, warehouse=tmp_path / "w.duckdb", build_dir=tmp_path / "b"
    )

    @dg.asset(deps=[dg.AssetKey(["surveys", "responses"])])
    def downstream() -> None:
        raise AssertionError("must not run after a failed blocking check")

    survey_asset = [
        a for a in ingestion_defs.defs.assets if dg.AssetKey(["surveys", "responses"]) in a.keys
    ]
    defs = dg.Definitions(
        assets=[*survey_asset, downstream],
        asset_checks=list(quality_defs.defs.asset_checks),
        resources={"warehouse": WarehouseResource.from_paths(paths)},
    )
    job = defs.resolve_implicit_global_asset_job_def()
    res = job.execute_in_process(
        raise_on_error=False,
        asset_selection=[dg.AssetKey(["surveys", "responses"]), dg.AssetKey("downstream")],
    )
    evals = {(tuple(e.asset_key.path), e.check_name): e for e in res.get_asset_check_evaluations()}
    assert evals[(("surveys", "responses"), "raw_quality")].passed is False
    assert evals[(("surveys", "responses"), "reconciliation")].passed is True
    assert dg.AssetKey("downstream") not in {
        m.asset_key for m in res.get_asset_materialization_events()
    }
    report = paths.reports_dir / "raw_quality" / "latest.md"
    assert "FAIL" in report.read_text() and "Q1" in report.read_text()
    meta = evals[(("surveys", "responses"), "raw_quality")].metadata
    assert Path(meta["report"].value).exists()
