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
    _NAME_ONLY,
    NAME_FREQUENCIES,
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
    assert not nothing_against(first_name=("mathew", "matthew"))  # the model's levels weigh that
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
