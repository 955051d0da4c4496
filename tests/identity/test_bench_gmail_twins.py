"""The identity benchmark scores apart the people an older simulator gave one Gmail mailbox."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_identity import _gmail_collisions


def test_gmail_twins_are_people_whose_own_addresses_are_one_mailbox(tmp_path: Path) -> None:
    (tmp_path / "persons.csv").write_text(
        "person_id,email,family_email\n"
        "p1,Ann.Lee@gmail.com,\n"
        "p2,annlee@googlemail.com,\n"  # one mailbox with p1's for Gmail
        "p3,home@example.com,home@example.com\n"  # a household address, shared on purpose
        "p4,home@example.com,home@example.com\n"
        "p5,bob@example.com,\n"
        "p6,,\n"
        "p7,,\n"  # no address is no collision
    )
    assert _gmail_collisions(tmp_path) == {"p1", "p2"}
