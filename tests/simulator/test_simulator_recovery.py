"""A planted CX effect is recoverable from the extracts alone, with the warehouse's definitions.

NPS by handoffs: a handoff is a Zendesk group change after the first assignment, or a Connect
transfer to a different queue in a call chain that carries the ticket's id; the NPS comes from
finished, non-preview ticket_solved responses naming the ticket."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest
from simtest_support import parse_entity, small_config

from simulator import generate


@pytest.fixture(scope="module")
def bigger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bigger")
    generate(root, 8000, 150, 21, "2025-09-01", small_config(), progress=False)
    return root


def _handoffs_per_ticket(landing: Path) -> dict[str, int]:
    handoffs: dict[str, int] = defaultdict(int)
    for ev in parse_entity(landing, "support", "ticket_events").records:
        for c in ev.get("child_events") or []:
            if (
                c.get("event_type") == "Change"
                and c.get("field_name") == "group_id"
                and c.get("previous_value") is not None
                and c.get("value") != c.get("previous_value")
            ):
                handoffs[str(ev["ticket_id"])] += 1
    legs_by_chain = defaultdict(list)
    for leg in parse_entity(landing, "contact_center", "contacts").records:
        legs_by_chain[leg["InitialContactId"]].append(leg)
    for legs in legs_by_chain.values():
        legs.sort(key=lambda r: r["InitiationTimestamp"])
        tickets = {r["Attributes"].get("zendesk_ticket_id") for r in legs} - {None}
        queues = [r["Queue"]["Name"] for r in legs if r.get("Queue")]
        changes = sum(1 for a, b in itertools.pairwise(queues) if a != b)
        for t in tickets:
            handoffs[t] += changes
    return handoffs


def test_nps_falls_with_handoffs_in_the_raw_extracts(bigger: Path) -> None:
    import json

    landing = bigger / "landing"
    handoffs = _handoffs_per_ticket(landing)
    counts = {b: [0, 0, 0] for b in ("0", "1", "2+")}  # responses, promoters, detractors
    for r in parse_entity(landing, "surveys", "responses").records:
        if (
            r["Status"] != "IP Address"
            or r["Finished"] != "True"
            or r["trigger"] != "ticket_solved"
            or not r["Q1"].isdigit()
            or int(r["Q1"]) > 10
        ):
            continue
        n = handoffs.get(r["ticket_id"], 0)
        c = counts["0" if n == 0 else "1" if n == 1 else "2+"]
        q1 = int(r["Q1"])
        c[0] += 1
        c[1] += q1 >= 9
        c[2] += q1 <= 6
    nps = {b: 100 * (p - d) / n for b, (n, p, d) in counts.items() if n}
    assert all(counts[b][0] >= 25 for b in counts), counts
    assert nps["0"] - nps["2+"] > 15, nps
    truth = json.loads((bigger / "truth" / "effects.json").read_text())["nps_by_handoffs"]
    for b, value in nps.items():
        observed = truth["buckets"][b]["nps"]
        assert abs(value - observed) <= truth["tolerance_vs_observed"], (b, value, observed)
