"""The whole-name rule (identity.probabilistic, `NAME_ONLY_MIN_POSTERIOR_BITS`): two records
with nothing but the whole name in common merge when the name is rare enough for the size of
the data, weighed by its frequency; a nameless record's own address that spells a whole name
stands for that name."""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from identity.probabilistic import (
    _GIVEN_NAME_FORMS,
    _NAME_ONLY,
    NAME_FREQUENCIES,
    _against,
    _clusters_without_contradiction,
    _starts_one_name,
    name_frequencies,
    spelled_name,
    splink_rows,
    with_spelled_names,
)
from identity.records import prepare
from tests.identity.builders import records

PAIR: dict[str, Any] = {
    "first_name": "mathew",
    "last_name": "shepherd",
    "email": None,
    "phone": None,
    "postal_code": None,
    "birth_date": None,
    "spelled": False,
}


def nothing_against(**sides: tuple[Any, Any]) -> bool:
    """Evaluate the whole-name rule's conditions on one pair; `sides[column] = (left, right)`."""
    values = {f"{c}_{s}": v for c, v in PAIR.items() for s in ("l", "r")}
    for column, (left, right) in sides.items():
        values[f"{column}_l"], values[f"{column}_r"] = left, right
    columns = ", ".join(
        f"cast(? as {'boolean' if k.startswith('spelled') else 'varchar'}) as {k}" for k in values
    )
    con = duckdb.connect()
    try:
        row = con.execute(f"select {_NAME_ONLY} from (select {columns})", list(values.values()))
        return bool(row.fetchone()[0])
    finally:
        con.close()


def test_the_whole_name_with_nothing_against_it() -> None:
    # a Stripe customer (e-mail) and the Zendesk user the help desk made from a call (phone)
    assert nothing_against(email=("mshepherd@aol.com", None), phone=(None, "+17166575034"))
    # the CRM contact under the family address beside the shop account's own address
    assert nothing_against(email=("theshepherds@aol.com", "mathew.shepherd@aol.com"))
    assert nothing_against(email=("shepherdfamily@aol.com", "ms@x.com"))


def test_anything_against_the_whole_name_refuses() -> None:
    assert not nothing_against(email=("mshepherd@aol.com", "mathew.shepherd@aol.com"))
    # an address with the family name and another given name is somebody's own
    assert not nothing_against(email=("terri_shepherd@aol.com", "mathew.shepherd@aol.com"))
    assert not nothing_against(phone=("+17166575034", "+12125550101"))
    assert not nothing_against(birth_date=("1961-04-02", "1990-11-23"))
    assert not nothing_against(postal_code=("10001", "20002"))
    # a spelled name's address is the record's own, never a family address
    assert not nothing_against(email=("shepherd@aol.com", "m@x.com"), spelled=(True, False))


@pytest.mark.parametrize(
    ("address", "name"),
    [
        ("jacqueline_beltran@hotmail.com", ("jacqueline", "beltran")),
        ("evanszachary@gmail.com", ("zachary", "evans")),  # family name first
        ("nicholson.trevor@yahoo.com", ("trevor", "nicholson")),
        ("jkelly@gmail.com", None),  # an initial: less than the name
        ("thebeltrans@gmail.com", None),  # a household's
        ("zachary.evans67@gmail.com", None),  # digits: not only the name
        ("zachary@gmail.com", None),
        ("evans.beltran@gmail.com", None),  # two family names
    ],
)
def test_an_address_that_spells_a_whole_name(address: str, name: tuple[str, str] | None) -> None:
    given = frozenset({"jacqueline", "zachary", "trevor", "evan"})
    family = frozenset({"beltran", "evans", "nicholson", "kelly"})
    assert spelled_name(address, given, family) == name


def test_ambiguous_spellings_name_nobody() -> None:
    # `annalee` + `smith` or `anna` + `leesmith`: two names the data knows, no telling which
    given, family = frozenset({"annalee", "anna"}), frozenset({"smith", "leesmith"})
    assert spelled_name("annaleesmith@x.com", given, family) is None


def test_only_own_addresses_of_nameless_records_get_the_name_they_spell() -> None:
    frame = prepare(
        records(
            _record("crm", "1", "Zachary", "Evans", "noemail@x.com", phone="2125550101"),
            _record("shop", "2", "Zachary", "Evans", "zachary.evans@yahoo.com"),
            _record("marketing", "3", None, None, "evans.zachary@gmail.com"),
            # used by a named record: that record's name speaks for it
            _record("marketing", "4", None, None, "zachary.evans@yahoo.com"),
            # a shared value (a placeholder, a shop's line) is nobody's
            _record("marketing", "5", None, None, "zachary.evans@gmail.com"),
        )
    )
    clusters = np.arange(len(frame))
    model = {NAME_FREQUENCIES: name_frequencies(_named_rows(frame, clusters))}
    out = with_spelled_names(
        _named_rows(frame, clusters), frame, clusters, frozenset({"zacharyevans@gmail.com"}), model
    )
    spelled = out.loc[out["spelled"]]
    assert frame["email_key"].iloc[spelled["unique_id"]].tolist() == ["evanszachary@gmail.com"]
    assert spelled[["first_name", "last_name"]].values.tolist() == [["zachary", "evans"]]
    # without the model's frequencies (a model trained elsewhere) nothing is spelled
    assert not with_spelled_names(_named_rows(frame, clusters), frame, clusters, frozenset(), None)[
        "spelled"
    ].any()


def _named_rows(frame: pd.DataFrame, clusters: np.ndarray) -> pd.DataFrame:
    return splink_rows(frame, clusters)


def _record(
    system: str, record_id: str, first: str | None, last: str | None, email: str, **fields: Any
) -> dict[str, Any]:
    return dict(
        system=system, id=record_id, first_name=first, last_name=last, email=email, **fields
    )


def _given_name_forms(
    first: tuple[str, str], gamma: int, starts_one_name: tuple[bool, bool] = (True, True)
) -> bool:
    """Evaluate `_GIVEN_NAME_FORMS` on two given names at one level of the model's comparison."""
    from identity.normalise import first_name_class, first_name_keys

    con = duckdb.connect()
    try:
        sides = [
            {
                "first_name": name,
                "keys": sorted(first_name_keys(name)),
                "first_class": first_name_class(name),
                "starts_one_name": starts,
            }
            for name, starts in zip(first, starts_one_name, strict=True)
        ]
        row = con.execute(
            f"""select {_GIVEN_NAME_FORMS} from
            (select ? as gamma_first_name, ? as first_name_l, ? as first_name_r,
                cast(? as varchar[]) as first_keys_l, cast(? as varchar[]) as first_keys_r) as p,
            (select ? as first_class, ? as starts_one_name) as n,
            (select ? as first_class, ? as starts_one_name) as o""",
            [
                gamma,
                sides[0]["first_name"],
                sides[1]["first_name"],
                sides[0]["keys"],
                sides[1]["keys"],
                sides[0]["first_class"],
                sides[0]["starts_one_name"],
                sides[1]["first_class"],
                sides[1]["starts_one_name"],
            ],
        )
        return bool(row.fetchone()[0])
    finally:
        con.close()


def test_the_whole_name_takes_a_given_names_unambiguous_forms() -> None:
    """D079: a CRM contact's `Doug` or `Derr` beside the `Douglas` / `Derrick` of another
    system is one name; a nickname of several names or a short form of several is not."""
    assert _given_name_forms(("mathew", "mathew"), 6)
    assert _given_name_forms(("doug", "douglas"), 5)  # a nickname of one given name
    assert not _given_name_forms(("pat", "patrick"), 5)  # Pat is Patricia's too
    assert not _given_name_forms(("mandy", "randy"), 5)  # two nicknames of a Miranda
    assert _given_name_forms(("derr", "derrick"), 4)  # a short form that starts one name
    assert not _given_name_forms(("dan", "danielle"), 4, (False, True))  # Daniel's too
    assert not _given_name_forms(("j", "john"), 4)  # an initial is less than a name
    assert not _given_name_forms(("mathew", "matthew"), 3)  # a typo: the model's levels weigh it


def test_a_short_form_starts_one_name_of_the_data() -> None:
    counts = {"dan": 2, "daniel": 5, "danielle": 3, "derr": 1, "derrick": 4}
    names = pd.Series(["dan", "derr", "derrick", "daniel"])
    assert _starts_one_name(names, counts).tolist() == [False, True, False, True]


def _email_weight(email: tuple[str, str], first: str = "tammy", last: str = "bowman") -> float:
    con = duckdb.connect()
    try:
        row = con.execute(
            f"""select {_against("email")} from (select ? as email_l, ? as email_r,
                ? as first_name_l, ? as first_name_r, ? as last_name_l, ? as last_name_r,
                false as spelled_l, false as spelled_r, -4.0 as mw_email)""",
            [*email, first, first, last, last],
        )
        return float(row.fetchone()[0])
    finally:
        con.close()


def test_a_family_address_beside_the_persons_own_is_no_evidence_against() -> None:
    """D079: the CRM contact under `thebowmans@` and the help desk's `tammybowman@` are what one
    person's records look like; an address naming someone else still counts against."""
    assert _email_weight(("thebowmans@gmail.com", "tammybowman@gmail.com")) == 0
    assert _email_weight(("tbowman@gmail.com", "bowmanfamily@gmail.com")) == 0
    assert _email_weight(("thebowmans@gmail.com", "lauren_hicks@gmail.com")) == -4
    assert _email_weight(("tammyb@gmail.com", "tammybowman@gmail.com")) == -4  # two own addresses


def test_the_whole_name_asks_both_clusters_for_nothing_against() -> None:
    """D079: a row with no postal code of its own does not hide its cluster's other town."""
    rows = pd.DataFrame(
        {
            "cluster": [1, 1, 2, 3, 4],
            "postal_code": ["67115", None, "10975", "10976", None],
            "phone": [None, None, "+15167734385", None, "+12125550101"],
            "phone2": [None] * 5,
            "birth_date": [None] * 5,
        }
    )
    pairs = pd.DataFrame({"cluster_l": [1, 2, 2], "cluster_r": [2, 3, 4]})
    # 1 and 2: other towns; 2 and 3: a postal code one typo off; 2 and 4: two phones
    assert _clusters_without_contradiction(rows, pairs).tolist() == [False, True, False]
