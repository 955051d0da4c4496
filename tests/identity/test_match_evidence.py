"""What a Splink match must show before it merges anything: the acceptance rule (a personal
identifier, or the whole name at one street address or in one hour) and the typo-tolerant guards
it passes through (typos, swapped given and family names). Households stay apart."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from identity.guards import merge_profiles, name_typo, names_swapped
from identity.probabilistic import ACCEPTANCE
from tests.identity.builders import named

# gamma levels of the Splink comparisons (identity.probabilistic._settings)
FIRST_EXACT, FIRST_NICKNAME, FIRST_ELSE = 5, 4, 0
LAST_EXACT, LAST_ELSE = 2, 0

PAIR: dict[str, Any] = {
    "email": None,
    "email_uses": 1,
    "phone": None,
    "phone2": None,
    "postal_code": None,
    "street": None,
    "city": None,
    "birth_date": None,
    "first_seen": None,
}


def accepted(gamma_first: int, gamma_last: int, **sides: tuple[Any, Any]) -> bool:
    """Evaluate ACCEPTANCE on one candidate pair; `sides[column] = (left, right)`."""
    values = {f"{c}_{s}": v for c, v in PAIR.items() for s in ("l", "r")}
    for column, (left, right) in sides.items():
        values[f"{column}_l"], values[f"{column}_r"] = left, right
    values["gamma_first_name"], values["gamma_last_name"] = gamma_first, gamma_last
    columns = ", ".join(
        f"cast(? as {'bigint' if k.startswith(('email_uses', 'first_seen', 'gamma')) else 'varchar'}) as {k}"
        for k in values
    )
    con = duckdb.connect()
    try:
        row = con.execute(
            f"select {ACCEPTANCE} from (select {columns})", list(values.values())
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


STREET = ("12 main st", "12 main st")
CITY = ("springfield", "springfield")


def test_the_whole_name_at_one_street_address_is_a_match() -> None:
    # a CRM contact with a placeholder e-mail and the household landline, and the shop account
    # with a mobile: nothing personal in common but the whole name at the same address
    assert accepted(
        FIRST_NICKNAME, LAST_EXACT, street=STREET, city=CITY, phone=("+12125550101", "+13475550102")
    )
    # a typo'd house number or street is still the address
    assert accepted(FIRST_EXACT, LAST_EXACT, street=("12 main st", "21 main st"))


def test_an_address_never_stands_in_for_the_given_name() -> None:
    # household members share the street, the family name and often a landline
    assert not accepted(FIRST_ELSE, LAST_EXACT, street=STREET, city=CITY)
    assert not accepted(FIRST_EXACT, LAST_ELSE, street=STREET, city=CITY)
    # a father and son of one name: their birth dates tell them apart
    assert not accepted(
        FIRST_EXACT, LAST_EXACT, street=STREET, birth_date=("1961-04-02", "1990-11-23")
    )
    # namesakes live elsewhere
    assert not accepted(FIRST_EXACT, LAST_EXACT, street=("12 main st", "40 oak ave"))


def test_the_whole_name_first_seen_within_the_hour_is_a_match() -> None:
    hour = 3600
    assert accepted(FIRST_EXACT, LAST_EXACT, first_seen=(1_000_000, 1_000_000 + hour))
    assert not accepted(FIRST_EXACT, LAST_EXACT, first_seen=(1_000_000, 1_000_000 + hour + 1))
    assert not accepted(FIRST_ELSE, LAST_EXACT, first_seen=(1_000_000, 1_000_100))


def test_a_personal_identifier_is_needed_and_contradictions_refuse() -> None:
    assert accepted(FIRST_ELSE, LAST_ELSE, email=("a@x.com", "a@x.com"))
    assert not accepted(FIRST_EXACT, LAST_EXACT, postal_code=("10001", "10001"))  # names + ZIP
    # two different phones contradict a shared e-mail ...
    assert not accepted(
        FIRST_EXACT,
        LAST_EXACT,
        email=("a@x.com", "a@x.com"),
        phone=("+12125550101", "+13475550102"),
    )
    # ... and so does a postal code two typos off, unless the street and the city agree
    assert not accepted(
        FIRST_ELSE, LAST_ELSE, email=("a@x.com", "a@x.com"), postal_code=("10001", "20002")
    )
    assert accepted(
        FIRST_ELSE,
        LAST_ELSE,
        email=("a@x.com", "a@x.com"),
        postal_code=("10001", "20002"),
        street=STREET,
        city=CITY,
    )


@pytest.mark.parametrize(
    ("x", "y", "typo"),
    [
        ("liam", "lam", True),  # a dropped letter
        ("pia", "pai", True),  # swapped letters
        ("mary", "marz", True),  # four letters or more: any one edit
        ("tom", "tim", False),  # short names differing in one letter are other names
        ("ben", "ken", False),
        ("jo", "joe", False),  # too short to tell
        ("jack", "jsk", False),  # two edits
    ],
)
def test_name_typos(x: str, y: str, typo: bool) -> None:
    assert name_typo(x, y) is typo and name_typo(y, x) is typo


def test_swapped_given_and_family_names_merge_only_when_a_match_proposes_it() -> None:
    luke = named("luke", last_names=frozenset({"gazzola"}))
    swapped = named("gazzola", last_names=frozenset({"luke"}))
    assert names_swapped(luke, swapped)
    assert merge_profiles(luke, swapped, typo_tolerant=True) is not None
    assert merge_profiles(luke, swapped) is None  # the deterministic rules do not guess
    mary = named("mary", last_names=frozenset({"gazzola"}))
    assert not names_swapped(luke, mary)
    assert merge_profiles(luke, mary, typo_tolerant=True) is None


def test_a_changed_family_name_needs_the_given_name_up_to_a_typo() -> None:
    zali = named("zali", last_names=frozenset({"shepherd"}))
    assert (
        merge_profiles(zali, named("zalk", last_names=frozenset({"matthews"})), typo_tolerant=True)
        is not None
    )
    assert merge_profiles(zali, named("zalk", last_names=frozenset({"matthews"}))) is None
    # a household member with another given name stays apart whatever the family name
    assert (
        merge_profiles(zali, named("jade", last_names=frozenset({"shepherd"})), typo_tolerant=True)
        is None
    )
