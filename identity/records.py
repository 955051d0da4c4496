"""Source records in the input layout -> one frame with normalised keys, in a fixed order."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from identity import processes
from identity.normalise import (
    first_name_class,
    map_unique,
    normalise_city,
    normalise_emails,
    normalise_name,
    normalise_phones,
    normalise_postal_code,
    normalise_street,
)
from identity.schema import ID_COLUMNS, INPUT_COLUMNS, RECORD_KEY

#: normalised column <- (raw column, normaliser of a whole column, group). The two groups take
#: about as long (Arrow kernels for e-mails and phones, and streets, which have the most distinct
#: values; Python once per distinct value for the rest) and run in two processes at a million
#: records.
_NORMALISED = {
    "email_key": ("email", normalise_emails, 0),
    "phone_e164": ("phone", normalise_phones, 0),
    "secondary_phone_e164": ("secondary_phone", normalise_phones, 0),
    "postal_code5": ("postal_code", lambda v: map_unique(v, normalise_postal_code), 1),
    "street_key": ("street", lambda v: map_unique(v, normalise_street), 0),
    "city_norm": ("city", lambda v: map_unique(v, normalise_city), 1),
    "first_name_norm": ("first_name", lambda v: map_unique(v, normalise_name), 1),
    "last_name_norm": ("last_name", lambda v: map_unique(v, normalise_name), 1),
}


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Validate, sort by record key (so every later step is deterministic) and normalise.

    Row i of the result is record i everywhere downstream.
    """
    _check_columns(records)
    frame = records.loc[:, list(INPUT_COLUMNS)].copy()
    for column in (*RECORD_KEY, *ID_COLUMNS):
        frame[column] = _as_text(frame[column])
    if not _sorted_by_key(frame):  # read_records already sorts (in DuckDB, much faster)
        frame = frame.sort_values(list(RECORD_KEY), kind="stable", ignore_index=True)
    _check_unique_keys(frame)

    _normalise(frame)
    _drop_names_made_from_emails(frame)
    # A secondary phone equal to the primary adds nothing.
    same = frame["secondary_phone_e164"] == frame["phone_e164"]
    frame.loc[same, "secondary_phone_e164"] = None
    frame["first_name_class"] = map_unique(frame["first_name_norm"], first_name_class)
    frame["birth_date"] = pd.to_datetime(
        frame["birth_date"], errors="coerce", format="ISO8601"
    ).dt.date
    frame["birth_date"] = (
        frame["birth_date"].astype(object).where(frame["birth_date"].notna(), None)
    )
    observed = pd.to_datetime(frame["observed_at"], errors="coerce", utc=True, format="ISO8601")
    frame["observed_at"] = observed.dt.tz_localize(None)
    return frame


def check_record_keys(records: pd.DataFrame) -> None:
    """`prepare`'s checks of the whole input (the columns, one row per record key, the keys in
    order) without normalising anything: for a caller that prepares only some records
    (identity.incremental)."""
    _check_columns(records)
    keys = pd.DataFrame({c: _as_text(records[c]) for c in RECORD_KEY})
    if not _sorted_by_key(keys):
        raise ValueError("identity records are not in record-key order")
    _check_unique_keys(keys)


def _check_columns(records: pd.DataFrame) -> None:
    missing = [c for c in INPUT_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"identity records lack columns {missing}")


def _check_unique_keys(frame: pd.DataFrame) -> None:
    """For rows sorted by key."""
    duplicated = _same_key_as_previous(frame)
    if duplicated.any():
        example = frame.loc[duplicated, list(RECORD_KEY)].iloc[0].tolist()
        raise ValueError(f"{int(duplicated.sum())} duplicate record keys, e.g. {example}")


def _normalise(frame: pd.DataFrame) -> None:
    """Add the normalised columns (in place); at a million records, one group of them
    (`_NORMALISED`) in a second process. Each column comes back as the pandas array the frame
    holds (text in Arrow buffers, which pickle as they are; a column of Python strings would be
    converted in this process)."""

    def group(number: int) -> Callable[[], dict[str, pd.api.extensions.ExtensionArray]]:
        return lambda: {
            target: pd.Series(normalise(frame[source])).array
            for target, (source, normalise, group) in _NORMALISED.items()
            if group == number
        }

    tasks = [group(0), group(1)]
    parallel = processes.parallel(len(frame))
    normalised: dict = {}
    for part in processes.in_processes(tasks) if parallel else [task() for task in tasks]:
        normalised.update(part)
    for target in _NORMALISED:  # in this order
        frame[target] = normalised[target]


def _drop_names_made_from_emails(frame: pd.DataFrame) -> None:
    """A name that is only the e-mail's local part is not a name (in place).

    Zendesk names a requester who writes in by e-mail after the address (`jsmith`,
    `maria.lopez`, `k_oconnor`); staging then holds it as a one-word first name. The record
    counts as nameless: `jsmith` would be a first name nobody is called, and `allen.kathryn`
    names its parts in an order nobody can tell, so either would keep the record away from the
    named records with the same address. Nameless, it joins the address's owner.
    """
    candidates = frame["first_name_norm"].notna() & frame["last_name_norm"].isna()
    candidates &= frame["email_key"].notna()
    for i in np.flatnonzero(candidates.to_numpy()):
        key = str(frame.at[i, "email_key"])
        local = _NON_LETTERS.sub("", key.split("@", 1)[0].split("+", 1)[0])
        if frame.at[i, "first_name_norm"] == local:
            frame.at[i, "first_name_norm"] = None


_NON_LETTERS = re.compile(r"[^a-z]+")


def _key_columns(frame: pd.DataFrame) -> list[pa.Array]:
    return [pa.array(frame[c], type=pa.string(), from_pandas=True) for c in RECORD_KEY]


def _sorted_by_key(frame: pd.DataFrame) -> bool:
    """Are the rows in record-key order (ties allowed)? Vectorised tuple comparison."""
    if len(frame) < 2:
        return True
    in_order = pa.scalar(True)
    for column in reversed(_key_columns(frame)):  # innermost key first
        before, after = column[:-1], column[1:]
        in_order = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), in_order))
    return bool(pc.all(in_order).as_py())


def _same_key_as_previous(frame: pd.DataFrame) -> np.ndarray:
    """For rows sorted by key: does a row repeat the key of the row before it?"""
    repeat = np.zeros(len(frame), dtype=bool)
    if len(frame) > 1:
        equal = [pc.equal(c[:-1], c[1:]) for c in _key_columns(frame)]
        repeat[1:] = pc.and_(pc.and_(equal[0], equal[1]), equal[2]).to_numpy(zero_copy_only=False)
    return repeat


def observation_order(prepared: pd.DataFrame) -> np.ndarray:
    """Rank of each record from oldest to newest (unknown times last, ties by record key)."""
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(observed)
    ns = observed.astype(np.int64)
    ns[missing] = np.iinfo(np.int64).max
    order = np.lexsort((np.arange(len(prepared)), ns))  # records are already in key order
    rank = np.empty(len(prepared), dtype=np.int64)
    rank[order] = np.arange(len(prepared))
    return rank


def _as_text(column: pd.Series) -> pd.Series:
    """Trimmed text with None for null or blank (vectorised: millions of ids)."""
    text = column.astype("string").str.strip()
    text = text.where(text != "")
    return pd.Series(text_objects(text), index=column.index, dtype=object)


def text_objects(column: pd.Series) -> np.ndarray:
    """A text column as Python strings, None for null, **one object per distinct value**: a
    plain conversion makes one per row, and at a million customers the identity frames' systems,
    entities and names (a handful to thousands of distinct values over 2.9M rows) then take
    gigabytes, which every forked worker that reads them copies again (reference counts are
    written into the objects' pages)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=True)
    objects = np.empty(len(distinct) + 1, dtype=object)  # the last one, None, for code -1
    objects[:-1] = np.asarray(distinct, dtype=object)
    return objects[codes]
