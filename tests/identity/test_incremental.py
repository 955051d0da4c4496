"""Identity incremental (identity.incremental) gives what a resolution of every record gives.

The demo company's records arrive in deliveries split by the day they were first seen; after
each, the incremental run's answer is compared, record for record and edge for edge, with
identity.resolve on all records so far, carrying ids over from its own previous answer and
scoring with the same stored Splink model. The deliveries include a record that merges two
existing customers, a record gone, a record changed, and a contact value crossing the
overloaded threshold, a sign-up spelling the name of a customer delivered the day before; a
steward override added and `--full-refresh` resolve every record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import pytest

from identity.deterministic import SESSION_SECONDS, mass_hours, session_sign_up_pairs
from identity.edges import EDGE_COLUMNS
from identity.guards import MAX_PEOPLE_PER_CONTACT
from identity.incremental import (
    FULL,
    GRAPH_COLUMNS,
    INCREMENTAL,
    IncrementalResolution,
    LastResolution,
    StoredModelScorer,
    resolve_incrementally,
    sign_up_pairs,
    typo_pairs,
)
from identity.overrides import Override
from identity.records import prepare
from identity.resolve import Resolution, ResolutionConfig, resolve
from identity.schema import OUTPUT_COLUMNS, RECORD_KEY
from identity.store import read_last_resolution, read_records, write_resolution
from tests.identity.conftest import DemoIdentity
from warehouse.connections import connect_published

CONFIG = ResolutionConfig()
INPUTS_TABLE = "identity.resolution_inputs"


@pytest.fixture(scope="module")
def demo_records(demo_identity: DemoIdentity) -> pd.DataFrame:
    con = connect_published(demo_identity.warehouse)
    try:
        return read_records(con)
    finally:
        con.close()


def _first_seen_day(records: pd.DataFrame) -> pd.Series:
    return pd.Series(records["observed_at"].to_numpy(dtype="datetime64[ns]")).dt.floor("D")


def _up_to(records: pd.DataFrame, share: float) -> pd.DataFrame:
    """The records first seen up to the day by which `share` of them were (unknown: first)."""
    day = _first_seen_day(records)
    cut = day.quantile(share)
    keep = (day.isna() | (day <= cut)).to_numpy()
    return records.loc[keep].reset_index(drop=True)


@dataclass
class Chain:
    """The incremental runs and the reference resolutions side by side; the incremental
    state goes through the warehouse tables and back, as in a run."""

    con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect)
    reference: Resolution | None = None
    model: dict | None = None
    lambda_prior: float = 0.0

    def deliver(
        self,
        records: pd.DataFrame,
        overrides: list[Override] | None = None,
        full_refresh: bool = False,
        affected_share_limit: float = 0.3,
        config: ResolutionConfig = CONFIG,
    ) -> IncrementalResolution:
        records = records.sort_values(list(RECORD_KEY), ignore_index=True)
        result = resolve_incrementally(
            records,
            self.last(),
            config,
            overrides,
            full_refresh=full_refresh,
            affected_share_limit=affected_share_limit,
        )
        # an incremental run writes only the rows it changed: the tables must then hold
        # what it answered, and the state every record's values as prepare gives them now
        write_resolution(self.con, result.resolution, result.state, result.changed)
        assert (result.changed is not None) == (result.mode == INCREMENTAL)
        assert_stored(self.con, result)
        assert_state_current(self.con, records)
        if result.mode == FULL and not result.reason.startswith("affected records above"):
            self.model, self.lambda_prior = result.state.model, result.state.lambda_prior
        assert CONFIG.probabilistic is not None
        scorer = StoredModelScorer(CONFIG.probabilistic, self.model, self.lambda_prior, False)
        previous = None if self.reference is None else self.reference.records
        self.reference = resolve(records, previous, config, overrides, scorer=scorer)
        return result

    def last(self) -> LastResolution | None:
        return read_last_resolution(self.con)


def _sorted(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.loc[:, columns].astype(object).where(frame.loc[:, columns].notna(), None)
    return out.sort_values(columns, ignore_index=True, key=lambda c: c.astype(str))


def assert_same_answer(result: IncrementalResolution, reference: Resolution) -> None:
    got, want = result.resolution, reference
    pd.testing.assert_frame_equal(
        _sorted(got.records, list(OUTPUT_COLUMNS)), _sorted(want.records, list(OUTPUT_COLUMNS))
    )
    pd.testing.assert_frame_equal(
        _sorted(got.edges, list(EDGE_COLUMNS)), _sorted(want.edges, list(EDGE_COLUMNS))
    )
    alias_columns = ["retired_customer_id", "customer_id"]
    pd.testing.assert_frame_equal(
        _sorted(got.aliases, alias_columns), _sorted(want.aliases, alias_columns)
    )


def assert_stored(con: duckdb.DuckDBPyConnection, result: IncrementalResolution) -> None:
    """The warehouse tables hold the run's answer and state, row for row."""
    stored = read_last_resolution(con)
    assert stored is not None and stored.state is not None
    assert_same_answer(
        IncrementalResolution(
            Resolution(stored.records, result.resolution.aliases, {}, stored.edges),
            stored.state,
            result.mode,
            result.reason,
            result.records_resolved,
        ),
        result.resolution,
    )
    for got, want in (
        (stored.state.inputs, result.state.inputs),
        (stored.state.splink_rows, result.state.splink_rows),
    ):
        columns = sorted(want.columns)
        pd.testing.assert_frame_equal(
            _sorted(got, columns), _sorted(want, columns), check_dtype=False
        )


def assert_state_current(con: duckdb.DuckDBPyConnection, records: pd.DataFrame) -> None:
    """The stored prepared values (which a run reads instead of normalising every record) are
    those of the records now: none stale, none of a record gone, none missing."""
    columns = list(GRAPH_COLUMNS)
    stored = con.execute(f"select {', '.join(columns)} from {INPUTS_TABLE}").df()
    pd.testing.assert_frame_equal(
        _sorted(stored, columns), _sorted(prepare(records), columns), check_dtype=False
    )


def _merging_record(records: pd.DataFrame, resolved: pd.DataFrame) -> tuple[dict, str, str]:
    """A new CRM contact carrying the Shopify id of one customer and the Zendesk id of another
    (explicit ids join whatever the guards say): the two customers merge."""
    with_ids = records.assign(customer_id=resolved["customer_id"].to_numpy())
    shop = with_ids.dropna(subset=["shop_customer_id"])
    zendesk = with_ids.dropna(subset=["zendesk_user_id"])
    zendesk = zendesk.loc[~zendesk["customer_id"].isin(shop["customer_id"])]
    a, b = shop.iloc[0], zendesk.iloc[0]
    row = {c: None for c in records.columns}
    row.update(
        source_system="crm",
        source_entity="contacts",
        source_record_id="incremental-test-merge",
        first_name=a["first_name"],
        last_name=a["last_name"],
        shop_customer_id=a["shop_customer_id"],
        zendesk_user_id=b["zendesk_user_id"],
        observed_at=records["observed_at"].max(),
    )
    return row, a["customer_id"], b["customer_id"]


def _splink_match_record(records: pd.DataFrame) -> tuple[dict, tuple[str, ...]]:
    """A new CRM contact with an existing person's name, birth date and address but no id,
    e-mail or phone: no candidate edge joins it to anyone, only Splink's pair (the whole name
    and the birth date agree)."""
    known = records.dropna(
        subset=["first_name", "last_name", "birth_date", "postal_code", "street", "city"]
    )
    known = known.loc[known["source_system"] == "crm"]
    person = known.iloc[len(known) // 2]
    row = {c: None for c in records.columns}
    row.update(
        {c: person[c] for c in ("first_name", "last_name", "birth_date", "postal_code")},
        street=person["street"],
        city=person["city"],
        source_system="crm",
        source_entity="contacts",
        source_record_id="incremental-test-splink",
        observed_at=records["observed_at"].max(),
    )
    return row, tuple(person[list(RECORD_KEY)])


def _sign_up_record(records: pd.DataFrame) -> tuple[dict, tuple[str, ...]]:
    """A new nameless Klaviyo profile whose address spells a delivered CRM contact's whole name,
    first seen twenty minutes after it: only the candidate graph's sign-up edge brings the
    contact's customer into the next day's neighbourhood (identity.incremental.sign_up_pairs)."""
    plain = records["first_name"].str.fullmatch("[A-Za-z]{3,}", na=False) & records[
        "last_name"
    ].str.fullmatch("[A-Za-z]{3,}", na=False)
    named = records.loc[plain & (records["source_system"] == "crm")]
    person = named.iloc[len(named) // 3]
    row = {c: None for c in records.columns}
    row.update(
        source_system="marketing",
        source_entity="profiles",
        source_record_id="incremental-test-sign-up",
        email=f"{person['first_name']}.{person['last_name']}@signs-up.example".lower(),
        observed_at=pd.Timestamp(person["observed_at"]) + pd.Timedelta(minutes=20),
    )
    return row, tuple(person[list(RECORD_KEY)])


def _overloading_records(records: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Records of more distinct named people than the guard allows, all with one phone that
    one person held so far: the phone becomes overloaded."""
    phone = records["phone"].dropna().iloc[0]
    rows = [
        {
            **{c: None for c in records.columns},
            "source_system": "crm",
            "source_entity": "contacts",
            "source_record_id": f"incremental-test-shared-{n}",
            "first_name": name,
            "last_name": f"Overload{n}",
            "phone": phone,
            "observed_at": records["observed_at"].max(),
        }
        for n, name in enumerate(["Ann", "Bob", "Cyd", "Dan", "Eve", "Fay", "Gus", "Hal"])
    ][: MAX_PEOPLE_PER_CONTACT + 2]
    return pd.DataFrame(rows, columns=records.columns), phone


def test_incremental_runs_give_the_full_resolution_answer(demo_records: pd.DataFrame) -> None:
    chain = Chain()
    first = chain.deliver(_up_to(demo_records, 0.9))
    assert first.mode == FULL and first.reason == "no stored resolution state"
    assert first.state.model is not None, "the demo company has enough rows to train Splink"
    assert_same_answer(first, chain.reference)

    # the next days: new records, one of them joining an existing customer by Splink only
    second_records = _up_to(demo_records, 0.94)
    splink_match, existing = _splink_match_record(second_records)
    sign_up, signed_up = _sign_up_record(_up_to(demo_records, 0.9))
    second_records = pd.concat(
        [second_records, pd.DataFrame([splink_match, sign_up])], ignore_index=True
    )
    second = chain.deliver(second_records)
    assert second.mode == INCREMENTAL, second.reason
    assert 0 < second.records_resolved < len(second_records)
    assert_same_answer(second, chain.reference)
    resolved = second.resolution.records.set_index(list(RECORD_KEY))["customer_id"]
    assert resolved[("crm", "contacts", "incremental-test-splink")] == resolved[existing]
    assert resolved[("marketing", "profiles", "incremental-test-sign-up")] == resolved[signed_up]

    # a new record merging two existing customers, one gone, one changed, more new records
    third_records = _up_to(demo_records, 0.97)
    last = chain.last()
    assert last is not None
    resolved = last.records.sort_values(list(RECORD_KEY), ignore_index=True)
    previous = second_records.sort_values(list(RECORD_KEY), ignore_index=True)
    merging, customer_a, customer_b = _merging_record(previous, resolved)
    gone = third_records.index[third_records["phone"].notna()][3]
    changed = third_records.index[third_records["email"].notna()][5]
    third_records = third_records.drop(index=gone)
    third_records.loc[changed, "email"] = "changed.by.the.test@example.org"
    third_records = pd.concat([third_records, pd.DataFrame([merging])], ignore_index=True)
    third = chain.deliver(third_records)
    assert third.mode == INCREMENTAL, third.reason
    assert_same_answer(third, chain.reference)
    aliases = third.resolution.aliases
    retired = {customer_a, customer_b} & set(aliases["retired_customer_id"])
    assert len(retired) == 1, "the merge is recorded as an alias"
    merged = third.resolution.records
    keys = merged.loc[merged["source_record_id"] == "incremental-test-merge", "customer_id"]
    assert set(aliases["customer_id"]) >= set(keys)

    # a phone crossing the overloaded threshold
    shared, phone = _overloading_records(third_records)
    fourth = chain.deliver(pd.concat([third_records, shared], ignore_index=True))
    assert fourth.mode == INCREMENTAL, fourth.reason
    assert phone in fourth.state.overloaded
    assert_same_answer(fourth, chain.reference)

    # all records
    everything = chain.deliver(
        pd.concat([demo_records, pd.DataFrame([merging])], ignore_index=True)
    )
    assert everything.mode == INCREMENTAL, everything.reason
    assert_same_answer(everything, chain.reference)


def test_a_steward_override_added_or_a_full_refresh_resolves_every_record(
    demo_records: pd.DataFrame,
) -> None:
    chain = Chain()
    chain.deliver(_up_to(demo_records, 0.8))
    records = _up_to(demo_records, 0.9)
    ordered = records.sort_values(list(RECORD_KEY), ignore_index=True)
    left, right = (tuple(ordered.loc[i, list(RECORD_KEY)]) for i in (0, 1))
    override = Override("force_split", left, right, "two people, said the steward")  # type: ignore[arg-type]
    with_override = chain.deliver(records, overrides=[override])
    assert with_override.mode == FULL
    assert "steward overrides changed" in with_override.reason
    assert with_override.records_resolved == len(records)
    assert_same_answer(with_override, chain.reference)

    refreshed = chain.deliver(records, overrides=[override], full_refresh=True)
    assert (refreshed.mode, refreshed.reason) == (FULL, "full refresh requested")
    assert_same_answer(refreshed, chain.reference)

    unchanged = chain.deliver(records, overrides=[override])
    assert unchanged.mode == INCREMENTAL and unchanged.records_resolved == 0
    assert_same_answer(unchanged, chain.reference)
    assert unchanged.resolution.stats["overrides_unmatched"] == 0, "located among all records"


def test_a_resolution_of_every_record_normalises_each_record_once(
    demo_records: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first run (and a full refresh) normalises the records once and hands the rules that
    frame: normalising again cost 11 s and a second copy of every record at 1M (D082)."""
    import importlib

    prepared_rows: list[int] = []

    def counting(records: pd.DataFrame) -> pd.DataFrame:
        prepared_rows.append(len(records))
        return prepare(records)

    for module in ("identity.incremental", "identity.resolve"):  # `identity.resolve` the function
        monkeypatch.setattr(importlib.import_module(module), "prepare", counting)
    records = _up_to(demo_records, 0.5).sort_values(list(RECORD_KEY), ignore_index=True)
    result = resolve_incrementally(records, None, CONFIG)
    assert result.mode == FULL
    assert prepared_rows == [len(records)]
    assert_same_answer(result, resolve(records, config=CONFIG))


def test_too_many_affected_records_fall_back_to_resolving_every_record(
    demo_records: pd.DataFrame,
) -> None:
    chain = Chain()
    chain.deliver(_up_to(demo_records, 0.8))
    model = chain.model
    result = chain.deliver(demo_records, affected_share_limit=0.0)
    assert result.mode == FULL and result.reason.startswith("affected records above")
    assert result.records_resolved == len(demo_records)
    assert result.state.model == model, "a fallback keeps the stored model"
    assert_same_answer(result, chain.reference)
    assert np.isfinite(result.resolution.stats["records_resolved"])


def test_the_stored_prepared_values_follow_changed_and_gone_records(
    demo_records: pd.DataFrame,
) -> None:
    """A record whose normalised values change (name, e-mail, phone formatting), one gone:
    the next run normalises them anew (Chain.deliver checks every stored row against prepare)
    and answers as a full resolution."""
    chain = Chain()
    records = _up_to(demo_records, 0.9).sort_values(list(RECORD_KEY), ignore_index=True)
    chain.deliver(records)
    named = records.index[records["first_name"].notna() & records["email"].notna()]
    changed, gone = named[10], named[20]
    before = prepare(records.loc[[changed]]).iloc[0]
    records.loc[changed, ["first_name", "email"]] = ["Zebedee", "Zebedee.Renamed@Example.org "]
    after = prepare(records.loc[[changed]]).iloc[0]
    assert before["first_name_norm"] != after["first_name_norm"]
    assert before["email_key"] != after["email_key"]
    gone_key = tuple(records.loc[gone, list(RECORD_KEY)])
    records = records.drop(index=gone).reset_index(drop=True)
    result = chain.deliver(records)
    assert result.mode == INCREMENTAL, result.reason
    assert 0 < result.records_resolved < len(records)
    assert_same_answer(result, chain.reference)
    keys = chain.con.execute(f"select {', '.join(RECORD_KEY)} from {INPUTS_TABLE}").fetchall()
    assert gone_key not in set(keys)


def test_a_configuration_change_prepares_every_record_anew(demo_records: pd.DataFrame) -> None:
    """Stored prepared values are another code's or configuration's answer once the
    fingerprint changes: the run resolves every record from its raw values. (Tampered stored
    values are used by an incremental run; ignored by the run the configuration change
    forces.)"""
    chain = Chain()
    records = _up_to(demo_records, 0.9)
    chain.deliver(records)
    tampered = "tampered@example.org"
    chain.con.execute(
        f"update {INPUTS_TABLE} set email_key = ? where rowid = "
        f"(select min(rowid) from {INPUTS_TABLE} where email_key is not null)",
        [tampered],
    )
    ordered = records.sort_values(list(RECORD_KEY), ignore_index=True)
    unchanged = resolve_incrementally(ordered, chain.last(), CONFIG)
    assert unchanged.mode == INCREMENTAL
    assert tampered in set(unchanged.state.inputs["email_key"]), "read, not normalised again"

    config = ResolutionConfig(max_people_per_contact=CONFIG.max_people_per_contact + 1)
    result = chain.deliver(records, config=config)
    assert result.mode == FULL and "configuration" in result.reason
    assert tampered not in set(result.state.inputs["email_key"].dropna())
    assert_same_answer(result, chain.reference)


def test_typo_pairs_of_some_records_are_the_pairs_of_their_addresses() -> None:
    """A next day looks for the typo pairs of its changed records' addresses only: they are
    every pair (of all records') one of whose addresses is such a record's, none missing."""
    emails = [
        "john.smith@gmail.com",
        "jonh.smith@gmail.com",  # swapped letters
        "john.smth@gmail.com",  # a letter dropped
        "mary@example.org",
        "mray@example.org",
        "mary@exampel.org",  # the domain typed wrong: one edit too
        "zed@example.net",
        None,
        "john.smith@gmail.com",
    ]
    names = ["john", None, None, "mary", None, None, None, None, None]
    records = pd.DataFrame({"email_key": emails, "first_name_norm": names})
    every = {tuple(pair) for pair in typo_pairs(records).tolist()}
    assert every == {(1, 0), (2, 0), (4, 3), (5, 3)}
    for record in range(len(records)):
        seeds = np.zeros(len(records), dtype=bool)
        seeds[record] = True
        address = emails[record]
        found = {tuple(pair) for pair in typo_pairs(records, seeds).tolist()}
        wanted = {p for p in every if address in (emails[p[0]], emails[p[1]])}
        assert wanted <= found <= every, record


def test_typo_pairs_of_some_records_match_on_random_typos() -> None:
    """The same on addresses with random typos of every kind, at every position (the keys
    `typo_pairs` narrows its search with are a prefix or a suffix of the local part or of the
    domain, or the address without its '@': edits at both ends of both, and across the '@');
    a few local parts hold an '@' of their own."""
    rng = np.random.default_rng(14)
    letters = list("abcd.")
    domains = ["ex.io", "ex.co", "ab.io", "a.b"]
    bases = [
        "".join(rng.choice([*letters, "@"] if n % 10 == 0 else letters, size=rng.integers(1, 9)))
        + "@"
        + str(rng.choice(domains))
        for n in range(60)
    ]
    emails = []
    for base in bases:
        emails.append(base)
        for _ in range(3):
            chars, at = list(base), int(rng.integers(0, len(base)))
            edit = rng.integers(0, 4)
            if edit == 0:
                del chars[at]
            elif edit == 1:
                chars.insert(at, str(rng.choice(letters)))
            elif edit == 2:
                chars[at] = str(rng.choice(letters))
            elif at + 1 < len(chars):
                chars[at], chars[at + 1] = chars[at + 1], chars[at]
            emails.append("".join(chars))
    named = rng.random(len(emails)) < 0.5
    records = pd.DataFrame({"email_key": emails, "first_name_norm": np.where(named, "ann", None)})
    every = {tuple(pair) for pair in typo_pairs(records).tolist()}
    assert len(every) > 50
    for _ in range(20):
        seeds = rng.random(len(records)) < 0.05
        addresses = set(records.loc[seeds, "email_key"])
        found = {tuple(pair) for pair in typo_pairs(records, seeds).tolist()}
        wanted = {p for p in every if {emails[p[0]], emails[p[1]]} & addresses}
        assert wanted <= found <= every


def test_sign_up_edges_are_the_pairs_the_sign_up_rule_can_accept(
    demo_records: pd.DataFrame,
) -> None:
    """The candidate graph's sign-up edges are the rule's candidates on every nameless record
    (none missing, whatever the other rules leave nameless), not every address that holds a
    family name (such edges joined a third of the records at 1M into one component, D077);
    those of some records are every edge of theirs."""
    prepared = prepare(demo_records)
    mass = mass_hours(prepared)
    edges = {tuple(pair) for pair in sign_up_pairs(prepared, mass).tolist()}
    per_record = np.arange(len(prepared))
    rule = session_sign_up_pairs(prepared, per_record, mass)
    accepted = set(zip(rule["left_rec"].tolist(), rule["right_rec"].tolist(), strict=True))
    assert len(accepted) >= 5, "the demo company has sign-ups"
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[s]").astype(np.int64)
    beyond = {
        (a, b) for a, b in edges - accepted if abs(observed[a] - observed[b]) > SESSION_SECONDS
    }
    assert accepted <= edges and edges - accepted == beyond, "only the window's slack is extra"
    resolved = resolve(demo_records, None, CONFIG).records
    labels = pd.factorize(
        resolved.set_index(list(RECORD_KEY)).loc[
            pd.MultiIndex.from_frame(prepared[list(RECORD_KEY)]), "customer_id"
        ]
    )[0]
    later = session_sign_up_pairs(prepared, labels, mass)
    assert set(zip(later["left_rec"].tolist(), later["right_rec"].tolist(), strict=True)) <= edges

    family = prepared.dropna(subset=["first_name_norm", "last_name_norm"]).iloc[0]
    holding_only = prepared.iloc[[family.name]].assign(
        first_name_norm=None,
        last_name_norm=None,
        email_key=f"x{family['last_name_norm']}q@example.net",
    )
    with_stranger = pd.concat([prepared, holding_only], ignore_index=True)
    stranger = len(with_stranger) - 1
    assert not any(stranger in pair for pair in sign_up_pairs(with_stranger, mass).tolist())

    rng = np.random.default_rng(7)
    for _ in range(5):
        seeds = rng.random(len(prepared)) < 0.02
        found = {tuple(pair) for pair in sign_up_pairs(prepared, mass, seeds).tolist()}
        wanted = {p for p in edges if seeds[p[0]] or seeds[p[1]]}
        assert wanted <= found <= edges
