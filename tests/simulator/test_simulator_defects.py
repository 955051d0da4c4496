"""Each defect class of the contract is present, at its configured rate, and recorded in truth."""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from pathlib import Path

import pytest
from simtest_support import Company, parse_entity, read_text

from simulator import SimulatorConfig, generate

LINE_ENTITIES = [
    ("crm", "contacts"),
    ("shop", "customers"),
    ("shop", "orders"),
    ("billing", "customers"),
    ("billing", "charges"),
    ("billing", "refunds"),
    ("support", "users"),
    ("support", "tickets"),
    ("support", "ticket_events"),
    ("contact_center", "contacts"),
    ("digital", "events"),
    ("marketing", "email_events"),
    ("surveys", "responses"),
]


def _totals(company: Company) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in company.truth_json("defects.json")["per_entity"].values():
        total.update(counts)
    return total


def _within(observed: int, n: int, rate: float, sigmas: float = 4.0) -> bool:
    """observed ~ Binomial(n, rate), allowing `sigmas` standard deviations (and 2 counts)."""
    sd = math.sqrt(max(n * rate * (1 - rate), 1e-9))
    return abs(observed - n * rate) <= sigmas * sd + 2


@pytest.mark.parametrize(
    "name,config_key",
    [
        ("malformed_lines", "malformed_line"),
        ("out_of_domain_records", "out_of_domain"),
        ("duplicate_lines", "duplicate_line"),
    ],
)
def test_line_defect_rates(company: Company, name: str, config_key: str) -> None:
    per = company.truth_json("defects.json")["per_entity"]
    n = sum(per["/".join(k)]["records"] for k in LINE_ENTITIES)
    injected = sum(per["/".join(k)][name] for k in LINE_ENTITIES)
    rate = getattr(company.config.defects, config_key)
    assert injected > 0
    # out-of-domain needs a matching value on the line; malformed skips multi-line CSV records
    assert _within(injected, n, rate, sigmas=5.0), (injected, n * rate)


def test_gzip_files_are_counted_and_readable(company: Company) -> None:
    files = [p for p in company.landing.rglob("*") if p.is_file()]
    gz = [p for p in files if p.read_bytes()[:2] == b"\x1f\x8b"]
    assert {p.name.endswith(".gz") for p in gz} == {True}
    assert not [p for p in files if p.name.endswith(".gz") and p not in gz]
    assert len(gz) == _totals(company)["gzip_files"]
    assert _within(len(gz), len(files), company.config.defects.gzip_file)
    read_text(gz[0])  # decompresses transparently


def test_bom_only_on_crm_csv(company: Company) -> None:
    boms = Counter()
    for p in company.landing.rglob("*"):
        if p.is_file() and read_text(p).startswith("\ufeff"):
            boms[p.parent.parent.name] += 1
    assert set(boms) == {"crm"}
    assert boms["crm"] == _totals(company)["bom_files"]


def test_exact_duplicates_within_files(company: Company) -> None:
    dup = 0
    for key in LINE_ENTITIES:
        parsed = company.entity(*key)
        per_file: dict[str, Counter[str]] = {}
        for line, f in zip(parsed.lines, parsed.files, strict=True):
            per_file.setdefault(f, Counter())[line] += 1
        dup += sum(c - 1 for counter in per_file.values() for c in counter.values() if c > 1)
    injected = _totals(company)["duplicate_lines"]
    malformed = _totals(company)["malformed_lines"]
    # a duplicated line may itself have been damaged afterwards, never the other way round
    assert injected - malformed <= dup <= injected


def test_same_record_in_several_files(company: Company) -> None:
    seen: dict[str, str] = {}
    across = 0
    for key in [
        ("shop", "orders"),
        ("digital", "events"),
        ("marketing", "email_events"),
        ("support", "ticket_events"),
    ]:
        parsed = company.entity(*key)
        for line, f in zip(parsed.lines, parsed.files, strict=True):
            day = f[:10]
            if seen.setdefault(line, day) != day:
                across += 1
    assert across > 0
    assert across <= _totals(company)["resent_records"]


def test_empty_files_exist_in_both_formats(company: Company) -> None:
    empty_jsonl = [p for p in company.landing.rglob("*.jsonl") if p.stat().st_size == 0]
    assert empty_jsonl, "JSONL: zero-byte files"
    header_only = [
        p
        for p in (company.landing / "surveys" / "responses").iterdir()
        if len(read_text(p).splitlines()) == 3
    ]
    assert header_only, "CSV: header rows only"
    assert _totals(company)["injected_empty_files"] >= 1


def test_schema_drift_appears_from_its_day_on(company: Company) -> None:
    drift = company.truth_json("defects.json")["schema_drift"]
    assert {"crm/contacts", "shop/orders", "digital/events", "marketing/email_events"} <= set(drift)
    start = drift["crm/contacts"]["from"]
    for name, header in company.entity("crm", "contacts").headers.items():
        assert ("Preferred_Store__c" in header) == (name[:10] >= start), name
    key = drift["digital/events"]["field"]
    parsed = company.entity("digital", "events")
    shape = Counter(
        (f[:10] >= drift["digital/events"]["from"], key in r)
        for r, f in zip(parsed.records, parsed.files, strict=True)
    )
    assert shape[(False, True)] == 0  # never before its day
    assert shape[(True, True)] > 0
    # after it, only lines re-sent from the days before lack the new key
    resent = company.truth_json("defects.json")["per_entity"]["digital/events"]["resent_records"]
    assert shape[(True, False)] <= resent


def test_one_file_misses_a_required_column(company: Company) -> None:
    missing = company.truth_json("defects.json")["missing_columns"]
    assert len(missing) == company.config.defects.missing_column_files == 1
    m = missing[0]
    path = company.landing / m["file"]
    path = path if path.exists() else path.with_name(path.name + ".gz")
    first_line = read_text(path).removeprefix("\ufeff").splitlines()[0]
    if path.name.split(".")[-1 if not path.name.endswith(".gz") else -2] == "csv":
        assert m["column"] not in first_line.split(",")
    others = [p for p in path.parent.iterdir() if p != path]
    assert all(
        m["column"] in read_text(p).removeprefix("\ufeff").split("\n", 1)[0] for p in others[:20]
    )


def test_late_and_redelivered_files_are_recorded(company: Company) -> None:
    d = company.truth_json("defects.json")
    for late in d["late_files"]:
        assert (company.landing / late["file"]).exists()
        assert late["arrived"] > late["file_date"]
    for re_ in d["redelivered_files"]:
        final = read_text(company.landing / re_["file"]).splitlines()
        first = (company.root / re_["first_delivery"]).read_text(encoding="utf-8").splitlines()
        assert len(first) < len(final)
        assert final[: len(first)] == first  # the first delivery was cut short
    assert len(d["late_files"]) + len(d["redelivered_files"]) > 0


def test_defect_scale_zero_gives_a_clean_delivery(tmp_path: Path) -> None:
    base = SimulatorConfig()
    cfg = dataclasses.replace(base, defects=base.defects.scaled(0))
    generate(tmp_path, 300, 8, 4, "2026-02-01", cfg, progress=False)
    landing = tmp_path / "landing"
    for system, entity in LINE_ENTITIES:
        assert parse_entity(landing, system, entity).bad == 0
    per = json.loads((tmp_path / "truth" / "defects.json").read_text())["per_entity"]
    for counts in per.values():
        for name in (
            "malformed_lines",
            "out_of_domain_records",
            "duplicate_lines",
            "resent_records",
            "injected_empty_files",
            "missing_column_files",
            "drift_files",
        ):
            assert counts[name] == 0, name
