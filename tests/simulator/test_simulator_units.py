"""Pure helpers: time formats per vendor, vendor id formats, config loading."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from simulator import SimulatorConfig
from simulator.ids import salesforce_id, scramble, ulid
from simulator.timeutil import Clock, ga4_date, in_repeated_hour, local_ts, sf_ts, shop_ts, zulu_ts

NY = ZoneInfo("America/New_York")


def test_time_formats_match_zoneinfo() -> None:
    rnd = random.Random(3)
    # random instants plus every hour around both 2025/2026 DST changes
    instants = [rnd.randrange(1_600_000_000, 1_900_000_000) for _ in range(3000)]
    for change in (
        dt.datetime(2025, 11, 2, 6, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 8, 7, tzinfo=dt.UTC),
    ):
        base = int(change.timestamp())
        instants += [base + k * 1800 - 1 for k in range(-8, 9)]
    for t in instants:
        local = dt.datetime.fromtimestamp(t, NY)
        utc = dt.datetime.fromtimestamp(t, dt.UTC)
        assert shop_ts(t) == local.isoformat()
        assert local_ts(t) == local.strftime("%Y-%m-%d %H:%M:%S")
        assert zulu_ts(t) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert sf_ts(t) == utc.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        assert ga4_date(t) == local.strftime("%Y%m%d")


def test_repeated_autumn_hour_is_detected() -> None:
    first = int(dt.datetime(2025, 11, 2, 5, 30, tzinfo=dt.UTC).timestamp())  # 01:30 EDT
    second = first + 3600  # 01:30 EST
    assert local_ts(first) == local_ts(second)
    assert not in_repeated_hour(first) and in_repeated_hour(second)


def test_clock_days_follow_new_york_midnight() -> None:
    clock = Clock(dt.date(2025, 11, 1), 3)
    assert clock.day_length(1) == 25 * 3600  # the autumn change adds an hour on 2 November
    assert clock.day_length(0) == clock.day_length(2) == 86400
    for day in range(3):
        assert dt.datetime.fromtimestamp(clock.midnight(day), NY).strftime("%H:%M") == "00:00"
        assert (
            clock.day_of(clock.midnight(day)) == day
            and clock.day_of(clock.midnight(day) - 1) == day - 1
        )


def test_salesforce_ids_carry_the_case_checksum() -> None:
    # the documented example: a0D30000001n7Pi -> a0D30000001n7PiEAI
    from simulator.ids import _SF_CHECK

    def checksum(id15: str) -> str:
        out = ""
        for i in range(3):
            bits = sum(1 << j for j, ch in enumerate(id15[i * 5 : i * 5 + 5]) if ch.isupper())
            out += _SF_CHECK[bits]
        return out

    assert checksum("a0D30000001n7Pi") == "EAI"
    ids = [salesforce_id(n) for n in range(1, 2000)]
    assert len(set(ids)) == len(ids) and len({i.lower() for i in ids}) == len(ids)
    assert all(len(i) == 18 and i.startswith("003") and i[15:] == checksum(i[:15]) for i in ids)


def test_scrambled_ids_are_unique_and_ulids_sortable() -> None:
    assert len({scramble(n, 6) for n in range(50_000)}) == 50_000
    rnd = random.Random(1)
    a, b = ulid(1_700_000_000, rnd), ulid(1_700_000_001, rnd)
    assert len(a) == 26 and a[:10] < b[:10]


def test_config_from_partial_json(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "defects": {"malformed_line": 0.02},
                "effects": {"launch_at": 0.3},
                "behaviour": {"conversion": [0.2, 0.2, 0.2]},
            }
        )
    )
    cfg = SimulatorConfig.from_json(path)
    assert (
        cfg.defects.malformed_line == 0.02
        and cfg.defects.duplicate_line == SimulatorConfig().defects.duplicate_line
    )
    assert cfg.effects.launch_at == 0.3 and cfg.behaviour.conversion == (0.2, 0.2, 0.2)
    with pytest.raises(ValueError, match="unknown keys"):
        SimulatorConfig.from_dict({"defects": {"malformed_lines": 0.1}})
    with pytest.raises(ValueError, match="expected 3 values"):
        SimulatorConfig.from_dict({"behaviour": {"conversion": [0.1]}})
    clean = dataclasses.replace(cfg, defects=cfg.defects.scaled(0))
    assert clean.defects.malformed_line == 0 and clean.defects.missing_column_files == 0


def test_shard_count_rules() -> None:
    cfg = SimulatorConfig()
    assert cfg.shards_for(400) == 1
    assert cfg.shards_for(10_000) == 2
    assert cfg.shards_for(1_000_000) == 8
