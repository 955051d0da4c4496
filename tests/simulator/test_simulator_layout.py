"""Delivery layout, the shared contract checker, determinism and the CLI."""

from __future__ import annotations

import dataclasses
import filecmp
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from simtest_support import CUSTOMERS, DAYS, NAME, Company, small_config

from simulator import cli, generate

ENTITIES = {
    "crm": {"contacts"},
    "shop": {"customers", "orders", "products"},
    "billing": {"customers", "charges", "refunds"},
    "support": {"users", "groups", "tickets", "ticket_events"},
    "contact_center": {"contacts"},
    "digital": {"events"},
    "marketing": {"email_events"},
    "surveys": {"responses"},
}
CSV_ENTITIES = {("crm", "contacts"), ("marketing", "email_events"), ("surveys", "responses")}
CHECKER = Path(__file__).resolve().parents[1] / "tools" / "contract_check.py"


def test_every_system_and_entity_delivered_every_day(company: Company) -> None:
    landing = company.landing
    assert {p.name for p in landing.iterdir()} == set(ENTITIES)
    for system, entities in ENTITIES.items():
        assert {p.name for p in (landing / system).iterdir()} == entities
        for entity in entities:
            names = [p.name for p in (landing / system / entity).iterdir()]
            by_day: dict[str, list[int | None]] = defaultdict(list)
            for name in names:
                m = NAME.fullmatch(name)
                assert m, name
                ext = "csv" if (system, entity) in CSV_ENTITIES else "jsonl"
                assert m.group(3) == ext, name
                by_day[m.group(1)].append(int(m.group(2)) if m.group(2) else None)
            assert len(by_day) == DAYS, f"{system}/{entity}"
            for day, parts in by_day.items():
                # one file per day, or parts 01..NN, never both
                assert parts == [None] or sorted(parts) == list(range(1, len(parts) + 1)), (
                    system,
                    entity,
                    day,
                )


def test_shards_write_parts(company: Company) -> None:
    assert company.summary.shards == 2
    names = {p.name for p in (company.landing / "digital" / "events").iterdir()}
    assert any(".part01." in n for n in names) and any(".part02." in n for n in names)


def test_contract_checker_passes(company: Company) -> None:
    # One process: the checker's fork pool can hang for good if a worker dies, and this
    # landing is small (about a second in one process).
    proc = subprocess.run(
        [sys.executable, str(CHECKER), str(company.landing), "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    fails = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert proc.returncode == 0, "\n".join(fails[:20]) or proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1].endswith(" 0 failed")


def _tree(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_arguments_give_byte_identical_output(tmp_path: Path) -> None:
    cfg = small_config()
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, 600, 12, 5, "2026-03-01", cfg, progress=False)
    # a different worker count must not change a byte
    generate(b, 600, 12, 5, "2026-03-01", dataclasses.replace(cfg, workers=1), progress=False)
    files = _tree(a)
    assert files == _tree(b)
    assert len(files) > 15 * 12
    mismatch = [f for f in files if not filecmp.cmp(a / f, b / f, shallow=False)]
    assert mismatch == []


def test_different_seed_changes_output(tmp_path: Path) -> None:
    cfg = small_config()
    generate(tmp_path / "a", 300, 5, 1, "2026-03-01", cfg, progress=False)
    generate(tmp_path / "b", 300, 5, 2, "2026-03-01", cfg, progress=False)
    rel = Path("truth/record_links.csv")
    assert (tmp_path / "a" / rel).read_bytes() != (tmp_path / "b" / rel).read_bytes()


def test_cli_runs_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "--out",
        str(tmp_path / "o"),
        "--customers",
        "120",
        "--days",
        "4",
        "--seed",
        "3",
        "--start-date",
        "2026-01-10",
        "--quiet",
    ]
    assert cli.main(argv) == 0
    assert "120 customers x 4 days" in capsys.readouterr().out
    assert (tmp_path / "o" / "landing" / "digital" / "events").is_dir()
    assert (tmp_path / "o" / "truth" / "record_links.csv").is_file()
    assert cli.main(argv) == 2  # not empty: needs --force
    assert cli.main([*argv, "--force", "--defect-scale", "0"]) == 0


def test_summary_counts_match_disk(company: Company) -> None:
    s = company.summary
    assert s.customers == CUSTOMERS and s.days == DAYS
    files = [p for p in company.landing.rglob("*") if p.is_file()]
    assert s.files == len(files)
    assert s.bytes == sum(p.stat().st_size for p in files)
    assert 0.9 * CUSTOMERS <= s.persons <= CUSTOMERS
