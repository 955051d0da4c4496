"""What a Splink match must show before it merges anything: the acceptance rule (a personal
identifier, or the whole name at one street address or in one hour) and the typo-tolerant guards
it passes through (typos, swapped given and family names). Households stay apart."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from identity.guards import merge_profiles, name_typo, names_swapped
from identity.probabilistic import (
    _FAMILY_INITIAL,
    ACCEPTANCE,
    ScoredPairs,
    _first_keys_column,
    _settings,
    first_keys,
    merge_scored_pairs,
)
from identity.records import prepare
from tests.identity.builders import named, records

# gamma levels of the Splink comparisons (identity.probabilistic._settings)
FIRST_EXACT, FIRST_NICKNAME, FIRST_ELSE = 5, 4, 0
LAST_EXACT, LAST_INITIAL, LAST_ELSE = 4, 1, 0

PAIR: dict[str, Any] = {
    "first_name": None,
    "last_name": None,
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


def test_a_family_initial_is_a_level_the_model_weighs_but_no_whole_name() -> None:
    """Zendesk names a user who writes in from a social network `Elizabeth C.`; the agent adds
    the e-mail later. The family initial is a level of the family-name comparison of its own
    (EM weighs it; it was counted as another family name, which kept `Elizabeth C.` from
    `Eliz Cummings` on one e-mail), between the names swapped and a disagreement, and it is not
    the whole name that stands in for a personal identifier (issue 12, D081)."""
    con = duckdb.connect()
    try:

        def initial(left: str, right: str) -> bool:
            sql = f"select {_FAMILY_INITIAL} from (select ? as last_name_l, ? as last_name_r)"
            row = con.execute(sql, [left, right]).fetchone()
            return bool(row and row[0])

        assert initial("c", "cummings") and initial("cummings", "c")
        assert not initial("c", "davis") and not initial("cummings", "cumming")
    finally:
        con.close()
    settings = _settings(0.01).get_settings("duckdb").as_dict()
    (last_name,) = (c for c in settings["comparisons"] if c["output_column_name"] == "last_name")
    labels = [level.get("label_for_charts") for level in last_name["comparison_levels"]]
    assert labels[-2:] == ["family initial", "All other comparisons"]
    # gammas count down from the top level after the null level: exact is 4, the initial 1
    assert len(labels) - 2 == LAST_EXACT
    assert len(labels) - 1 - labels.index("family initial") == LAST_INITIAL
    assert accepted(FIRST_EXACT, LAST_EXACT, street=STREET)
    assert not accepted(FIRST_EXACT, LAST_INITIAL, street=STREET)  # no whole name at one place
    assert accepted(FIRST_EXACT, LAST_INITIAL, email=("elizabethc@x.com", "elizabethc@x.com"))


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


def test_an_address_typo_between_two_records_of_one_whole_name_is_a_match() -> None:
    eliza = {"first_name": ("elizabeth", "elizabeth"), "last_name": ("thomas", "thomas")}
    used_twice = {"email_uses": (2, 2)}
    assert accepted(
        FIRST_EXACT,
        LAST_EXACT,
        **eliza,
        **used_twice,
        email=("elizabeth.thomas@x.com", "elizaeth.thomas@x.com"),  # a dropped letter
    )
    assert accepted(
        FIRST_EXACT,
        LAST_EXACT,
        **eliza,
        **used_twice,
        email=("elizabeth.thomas@x.com", "elizabeth.thmoas@x.com"),  # swapped letters
    )
    # how namesakes' addresses differ: another letter, a digit added
    for other in ("elizabeth.thomaz@x.com", "elizabeth.thomas1@x.com"):
        assert not accepted(
            FIRST_EXACT,
            LAST_EXACT,
            **eliza,
            **used_twice,
            email=("elizabeth.thomas@x.com", other),
        )
    # other names: the address is no evidence here
    assert not accepted(
        FIRST_EXACT,
        LAST_EXACT,
        **used_twice,
        first_name=("elizabeth", "eliza"),
        last_name=("thomas", "thomas"),
        email=("elizabeth.thomas@x.com", "elizaeth.thomas@x.com"),
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


def _merge_one_match(
    *rows: dict[str, Any], clusters: dict[str, int], match: tuple[str, str]
) -> dict[str, int]:
    """Record id -> cluster after one Splink match of 30 bits between the records `match`
    names; `clusters`: the deterministic clusters."""
    prepared = prepare(records(*rows))
    ids = prepared["source_record_id"].tolist()
    left, right = (np.array([ids.index(r)]) for r in match)
    pairs = ScoredPairs(left, right, np.array([0.99]), np.array([30.0]), len(rows), 1e-4)
    merged, _, _ = merge_scored_pairs(prepared, np.array([clusters[r] for r in ids]), pairs)
    return dict(zip(ids, merged.tolist(), strict=True))


def _ryan(first: str, record_id: str, email: str, **fields: Any) -> dict[str, Any]:
    return dict(
        system="crm",
        id=record_id,
        first_name=first,
        last_name="Ryan",
        email=email,
        street="19 Grayson St",
        postal_code="05343",
        **fields,
    )


@pytest.mark.parametrize(
    ("email", "other", "merges"),
    [
        # a one-person address: the other given name occurs once on it, and that record brings
        # nothing of its own (a name typed into the wrong field, a replaced name)
        ("k7731@mail.com", {}, True),
        # a family address, or one that spells a name: a relative's use of it
        ("theryans@mail.com", {}, False),
        ("sarah.ryan@mail.com", {}, False),
        # the record brings its own phone: a person of their own
        ("k7731@mail.com", {"phone": "2125550199"}, False),
    ],
)
def test_a_given_name_once_on_a_one_person_address_is_outweighed(
    email: str, other: dict[str, Any], merges: bool
) -> None:
    merged = _merge_one_match(
        _ryan("Sarah", "003A", email, phone="2125550101"),
        dict(_ryan("Sarah", "7001", email), system="shop"),
        _ryan("Alexander", "003B", email, **other),
        clusters={"003A": 0, "7001": 0, "003B": 1},
        match=("003A", "003B"),
    )
    assert (merged["003A"] == merged["003B"]) is merges


def test_a_third_holder_of_the_address_makes_it_a_household_line() -> None:
    merged = _merge_one_match(
        _ryan("Sarah", "003A", "k7731@mail.com"),
        _ryan("Tom", "003C", "k7731@mail.com", phone="2125550177"),
        _ryan("Alexander", "003B", "k7731@mail.com"),
        clusters={"003A": 0, "003C": 1, "003B": 2},
        match=("003A", "003B"),
    )
    assert merged["003A"] != merged["003B"]


def test_the_nickname_keys_column_holds_each_rows_keys() -> None:
    """The column Splink's nickname level compares, built once per distinct name: each row's
    own keys, none for a missing name."""
    names = pd.Series(["bill", None, "mary", "bill", "william", None], dtype=object)
    column = _first_keys_column(names).to_pylist()
    assert column == first_keys(names)
    assert "william" in column[0] and column[1] == column[5] == [] and column[3] == column[0]
