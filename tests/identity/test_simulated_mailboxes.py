"""The simulator never gives two people one mailbox.

Gmail ignores dots in the local part and every provider ignores a `+tag`, so
`elizabeth.johnson@gmail.com` and `elizabethjohnson@gmail.com` are one mailbox: one person's.
Identity resolution keys e-mails that way (`identity.normalise.normalise_email`), so a simulated
company that handed the two spellings to two people would score a correct merge as a false one
(it did: most of the precision lost at 100,000 customers, docs/identity.md section 8).
"""

from __future__ import annotations

import pytest

from identity.normalise import normalise_email
from simulator.population import EmailBook, mailbox


@pytest.mark.parametrize(
    ("address", "box"),
    [
        ("Jane.Doe+news@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e.doe@googlemail.com", "janedoe@googlemail.com"),
        ("jane.doe@yahoo.com", "jane.doe@yahoo.com"),  # dots count outside Gmail
        ("jane.doe+shop@outlook.com", "jane.doe@outlook.com"),
    ],
)
def test_mailbox_is_what_the_provider_delivers_to(address: str, box: str) -> None:
    assert mailbox(address) == box


def test_mailbox_agrees_with_the_identity_key_at_gmail() -> None:
    # the simulator's notion of one mailbox is the one identity resolution links on
    for address in ("jane.doe@gmail.com", "janedoe+x@gmail.com", "J.Doe@gmail.com"):
        assert mailbox(address) == normalise_email(address)


def test_two_people_never_get_one_gmail_mailbox() -> None:
    book = EmailBook(shard=0, shards=1)
    first = book.take(["jane.doe", "janedoe"], "gmail.com", "1")
    # the second Jane Doe's preferred spellings are the first one's mailbox: she gets another
    second = book.take(["janedoe", "jane.doe"], "gmail.com", "2")
    assert first == "jane.doe@gmail.com"
    assert mailbox(second) != mailbox(first)
    assert second == "janedoe.2@gmail.com"
    # and a fallback that, without its dot, spells a taken pattern (`janedoe12`) moves on
    book.take(["janedoe12"], "gmail.com", "3")
    third = book.take(["jane.doe"], "gmail.com", "12")
    assert mailbox(third) not in {"janedoe@gmail.com", "janedoe2@gmail.com", "janedoe12@gmail.com"}
    # outside Gmail the dotted and the plain spelling are two mailboxes
    assert book.take(["jane.doe"], "yahoo.com", "4") == "jane.doe@yahoo.com"
    assert book.take(["janedoe"], "yahoo.com", "5") == "janedoe@yahoo.com"
