"""Identity resolution incremental: a run re-resolves only the records a delivery can affect.

Every rule is local to a connected component of a *candidate graph* over the records
(scale_out/resolve_on_spark.py: explicit ids and contact values, e-mails one typo apart, a
nameless address that could spell a named record's name within the hour, the steward pairs),
and Splink's accepted pairs join such components into *groups*; identity.resolve run on a
union of whole groups, with the global facts (overloaded values, `WholeDataFacts`) counted over
every record, decides each of its records as the resolution of all records does. So a run:

1. finds what changed since the last resolution: records new, changed (a fingerprint of every
   input column) or gone, and the records whose global facts changed (a contact value crossing
   the overloaded threshold, a mass hour, a name entering or leaving the name vocabulary). It
   normalises only the new and changed records: the state keeps every record's normalised
   values the graph and the global facts read (`GRAPH_COLUMNS`), and each record's candidate
   component, which it extends by the edges of the records whose edges can have changed only
   (`extended_components`);
2. closes that set: whole candidate components, whole groups of the last resolution (what a
   changed or gone record decided before), whole customers of the last resolution, and the
   groups of the last resolution that Splink now pairs with one of its records, until nothing
   joins;
3. resolves those records only (`identity.resolve.resolve` with the global facts and the stored
   model as scorer) and keeps every other record's customer id, method, probability and edges
   (identity.store then replaces only the rows of `ChangedRows`);
4. falls back to resolving every record when there is no stored state, the code, the
   configuration or the steward overrides changed (a fingerprint), on a full refresh, or when
   the affected records are more than `AFFECTED_SHARE_LIMIT` of all.

Splink's model is trained on a full resolution and stored; incremental runs score with it (a
model trained on today's rows would move pairs anywhere a little). A full resolution retrains
it. The result of a run equals identity.resolve on all records with that stored model
(tests/identity/test_incremental.py proves it, record for record and edge for edge).
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from identity.components import components, dense_labels, shared_key_components
from identity.deterministic import (
    SESSION_SECONDS,
    WholeDataFacts,
    contact_point_key_spaces,
    id_key_spaces,
    in_a_mass_hour,
    one_deletion_variants,
    one_typo,
    spelled_sign_ups,
)
from identity.guards import CONTACT_COLUMNS, overloaded_values
from identity.overrides import Override, locate
from identity.probabilistic import (
    NAME_ONLY_BLOCKS,
    PREDICTION_BLOCKS,
    ProbabilisticConfig,
    RowCounts,
    ScoredPairs,
    predicted_pairs,
    splink_rows,
    trained_model,
    training_sample,
    with_first_prefix,
    with_name_frequencies,
    with_spelled_names,
)
from identity.records import check_record_keys, prepare, text_objects
from identity.resolve import Resolution, ResolutionConfig, link_deterministically, resolve
from identity.schema import (
    CONTACT_POINTS,
    ID_COLUMNS,
    ID_RULES,
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    RECORD_KEY,
)
from identity.stable_ids import record_keys
from warehouse.connections import connect_scratch

log = logging.getLogger(__name__)

#: Above this share of all records affected, the run resolves every record: the closure and
#: the stored rows cost more than they save.
AFFECTED_SHARE_LIMIT = 0.30

#: Added to the one-hour windows of the candidate edges: more edges than the rules use, never
#: fewer (floating-point seconds).
_SLACK_SECONDS = 1

FULL, INCREMENTAL = "full", "incremental"

#: The columns of identity.records.prepare's output that the candidate graph and the global
#: facts read. The state keeps them per record (`IncrementalState.inputs`): a run normalises
#: only the records new or changed since (prepare is per record: a record's normalised values
#: do not depend on the others).
GRAPH_COLUMNS: tuple[str, ...] = (
    *RECORD_KEY,
    *ID_COLUMNS,
    "observed_at",
    "email_key",
    "phone_e164",
    "secondary_phone_e164",
    "first_name_norm",
    "last_name_norm",
    "first_name_class",
)


@dataclass
class IncrementalState:
    """What a resolution leaves for the next run to compare with (schema `identity`, written
    with the resolution by identity.store)."""

    settings: str  # fingerprint of the code, the configuration and the steward overrides
    model: dict | None  # Splink's trained model (`save_model_to_json`), None: none trained
    lambda_prior: float
    overloaded: frozenset[str]
    whole_data: WholeDataFacts
    inputs: pd.DataFrame  # GRAPH_COLUMNS, fingerprint, group_id: per record resolved
    splink_rows: pd.DataFrame  # RECORD_KEY + splink_rows' columns (unique_id dropped)


@dataclass
class LastResolution:
    """What the last run wrote (identity.store.read_last_resolution)."""

    records: pd.DataFrame  # OUTPUT_COLUMNS
    edges: pd.DataFrame  # identity.edges.EDGE_COLUMNS
    state: IncrementalState | None  # None: the last run left none (Spark, an older version)


@dataclass
class ChangedRows:
    """The rows of the stored resolution an incremental run replaces: identity.store deletes
    the rows of `keys` and the edges of `customers` and inserts these, instead of rewriting
    every table."""

    keys: pd.DataFrame  # RECORD_KEY of the records re-resolved or gone: their rows go
    customers: np.ndarray  # customer ids of the last resolution no kept record has: edges go
    records: pd.DataFrame  # OUTPUT_COLUMNS of the re-resolved records
    edges: pd.DataFrame  # the edges of their customers
    inputs: pd.DataFrame  # their rows of IncrementalState.inputs
    splink_rows: pd.DataFrame  # their rows of IncrementalState.splink_rows


@dataclass
class IncrementalResolution:
    resolution: Resolution  # every record's answer, as identity.resolve gives it
    state: IncrementalState
    mode: str  # FULL or INCREMENTAL
    reason: str  # why this mode
    records_resolved: int  # records this run re-resolved
    changed: ChangedRows | None = None  # None: write every row (a full resolution)


def settings_fingerprint(config: ResolutionConfig, overrides: list[Override]) -> str:
    """The code of identity/, the configuration and the overrides: a change of any makes the
    stored resolution another function's answer."""
    digest = hashlib.sha256(repr((config, overrides)).encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def record_fingerprints(records: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of every input column, per record."""
    hashed = pd.util.hash_pandas_object(records.loc[:, list(INPUT_COLUMNS)], index=False)
    return hashed.to_numpy().view(np.int64)


class StoredModelScorer:
    """identity.resolve's scorer with Splink's model given (or trained on these rows when
    `model` is not given: a full resolution); keeps the rows and pairs it scored."""

    def __init__(
        self,
        config: ProbabilisticConfig,
        model: dict | None,
        lambda_prior: float,
        train: bool,
    ) -> None:
        self.config, self.model, self.lambda_prior, self.train = config, model, lambda_prior, train
        self.rows = pd.DataFrame()
        self.pairs: ScoredPairs | None = None

    def __call__(
        self, prepared: pd.DataFrame, clusters: np.ndarray, overloaded: frozenset[str]
    ) -> ScoredPairs:
        rows = splink_rows(prepared, clusters, overloaded)
        if self.train:
            counts = RowCounts.of(rows)
            model = trained_model(training_sample(rows, self.config), counts, self.config)
            self.model = with_name_frequencies(model, rows, self.config)
            self.lambda_prior = counts.lambda_prior() if self.model else 0.0
            self.train = False
        rows = with_spelled_names(rows, prepared, clusters, overloaded, self.model)
        self.rows = rows
        self.pairs = predicted_pairs(rows, self.model, self.lambda_prior, self.config)
        return self.pairs


# -- the candidate graph ----------------------------------------------------------------------


def candidate_components(
    prepared: pd.DataFrame,
    overrides: list[Override],
    mass_hours: frozenset[tuple[str, pd.Timestamp]],
    typos: np.ndarray | None = None,
) -> np.ndarray:
    """Component per record of the candidate graph (the module; scale_out/resolve_on_spark.py's
    pass one): `prepared` is identity.records.prepare's output with the overloaded values
    blanked; `mass_hours`: identity.deterministic.mass_hours of all records; `typos`: its
    `typo_pairs` when the caller has them. The typo and sign-up
    edges here are supersets of the Spark path's (a superset re-resolves more, never decides
    differently)."""
    n = len(prepared)
    by_key = shared_key_components(n, id_key_spaces(prepared) + contact_point_key_spaces(prepared))
    if typos is None:
        typos = typo_pairs(prepared)
    joined = _record_pairs(prepared, overrides, mass_hours, typos)
    if not len(joined):
        return by_key
    groups = components(int(by_key.max()) + 1, by_key[joined[:, 0]], by_key[joined[:, 1]])
    return dense_labels(groups[by_key])


def extended_components(
    prepared: pd.DataFrame,
    stored: np.ndarray,
    seeds: np.ndarray,
    overrides: list[Override],
    mass_hours: frozenset[tuple[str, pd.Timestamp]],
) -> tuple[np.ndarray, np.ndarray]:
    """`candidate_components` of a next day, from the stored components: `stored` labels every
    record (a component of the last run's graph, new and changed records one of their own),
    `seeds` marks the records whose edges may differ from the last run's (new, changed, or
    holding a value whose overloaded status or mass hour changed); only their edges are looked
    for: the values they share, their e-mails' typo neighbours, their sign-ups. Edges between
    two other records are the last run's (the stored components hold them); an edge gone since
    leaves a component larger than the graph's, which re-resolves more, never decides
    differently. Returns the components and the typo pairs found (`typo_pairs`)."""
    touched = seeds.copy()  # the seeds and every record sharing a key value with one
    for columns in _KEY_COLUMN_GROUPS:
        held = np.concatenate([prepared[c].to_numpy(dtype=object)[seeds] for c in columns])
        values = pd.unique(held[pd.notna(held)])
        if len(values):
            for column in columns:
                touched |= prepared[column].isin(values).to_numpy()
    around = np.flatnonzero(touched)
    part = prepared.iloc[around].reset_index(drop=True)
    by_key = shared_key_components(len(part), id_key_spaces(part) + contact_point_key_spaces(part))
    typos = typo_pairs(prepared, seeds)
    joined = _record_pairs(prepared, overrides, mass_hours, typos, seeds)
    # nodes: the stored components, then the key components among the touched records
    nodes = pd.factorize(stored)[0].astype(np.int64)
    n = int(nodes.max()) + 1 if len(nodes) else 0
    left = np.concatenate([nodes[around], nodes[joined[:, 0]]])
    right = np.concatenate([n + by_key, nodes[joined[:, 1]]])
    label = components(n + (int(by_key.max()) + 1 if len(by_key) else 0), left, right)
    return dense_labels(label[nodes]), typos


#: The columns of each key space (identity.deterministic.id_key_spaces and
#: contact_point_key_spaces): records holding one value of a space are one component.
_KEY_COLUMN_GROUPS: tuple[tuple[str, ...], ...] = (
    *(
        tuple(r.column for r in ID_RULES if r.namespace == namespace)
        for namespace in dict.fromkeys(r.namespace for r in ID_RULES)
    ),
    *CONTACT_POINTS.values(),
)


def _record_pairs(
    prepared: pd.DataFrame,
    overrides: list[Override],
    mass_hours: frozenset[tuple[str, pd.Timestamp]],
    typos: np.ndarray,
    seeds: np.ndarray | None = None,
) -> np.ndarray:
    """(record, record): the candidate graph's edges other than shared keys (the typo pairs,
    the sign-ups, the steward's pairs); the sign-ups only of `seeds` when given."""
    located = locate(prepared, overrides)
    pairs = [typos, sign_up_pairs(prepared, mass_hours, seeds)]
    pairs += [np.array([(a, b) for a, b, _ in located.merges + located.splits], dtype=np.int64)]
    return np.concatenate([p.reshape(-1, 2) for p in pairs])


def typo_pairs(prepared: pd.DataFrame, seeds: np.ndarray | None = None) -> np.ndarray:
    """(record, record): a nameless record's e-mail one typo from a named record's (one record
    per address: the others share the address's key node). `seeds`: only pairs of which one
    address is a seed record's (`_near_seed_emails` finds the addresses one typo from theirs
    without expanding every address), as the pairs of all addresses would give them."""
    frame = pd.DataFrame(
        {
            "rec": np.arange(len(prepared), dtype=np.int64),
            "email": prepared["email_key"].astype(object),
            "named": prepared["first_name_norm"].notna().to_numpy(),
        }
    ).dropna(subset=["email"])
    among = "emails"
    if seeds is not None:
        seed_emails = pd.unique(frame.loc[seeds[frame["rec"].to_numpy()], "email"].to_numpy())
        if not len(seed_emails):
            return np.zeros((0, 2), dtype=np.int64)
        among = f"(select * from emails semi join ({_near_seed_emails()}) using (email))"
    con = connect_scratch()
    try:
        con.register("records", frame)
        if seeds is not None:
            con.register("seed_emails", pd.DataFrame({"email": seed_emails}, dtype=object))
        con.execute("""
            create temp table emails as
            select email, min(rec) as rec, bool_or(named) as named, bool_or(not named) as nameless
            from records group by email""")
        # the nameless side's variants held, the named side's streamed past them: a table of
        # every address's variants joined to itself took 0.5 GB more at 1M, and its own time
        nameless = one_deletion_variants(f"(select * from {among} where nameless)", "email, rec")
        named = one_deletion_variants(f"(select * from {among} where named)", "email, rec")
        con.execute(f"create temp table nameless_variants as {nameless}")
        found = con.execute(f"""
            select distinct l.rec, r.rec
            from nameless_variants as l join ({named}) as r using (variant)
            where l.email <> r.email and {one_typo("l.email", "r.email")}""").fetchnumpy()
    finally:
        con.close()
    return np.column_stack([found["rec"], found["rec_1"]]).astype(np.int64)


def _near_seed_emails() -> str:
    """SQL: the addresses of `emails` one typo (or none) from one of `seed_emails`.

    Two strings one edit apart (a letter dropped, added, replaced, or two swapped), the shorter
    of length L, share their first or their last (L - 1) // 2 characters: the edit leaves the
    characters before it and after it alike, and one side holds half of them. Keyed on the
    whole address, that half is most often the domain (`gmail.com`), which a third of all
    addresses share: at a million customers every seed was compared with every address of its
    provider (a next day's identity took longer than a full run). So the address is split at
    its last '@' and keyed by the part the edit left alone with a head and a tail of the other
    part (`pieces`): an edit inside the local part keeps the domain (domain + the local part's
    letters before and after the edit's piece), one inside the domain keeps the local part
    (local part + the domain's), and two letters swapped across the '@' keep the address
    without it (D076). An edit that adds,
    drops or replaces an '@' is no typo pair (`one_deletion_variants` never drops one). Each key
    is made for every length the neighbour's part could have (its own, one less, one more), and
    only addresses sharing a key with a seed's are compared (`one_typo`): the keys of every
    address, the variants of none."""

    def pieces(part: str, kept: str, kind: str, most: int) -> str:
        # the first L - 1 letters cut into P pieces at b(i) = i * (L - 1) // P: an edit inside
        # piece i (or a swap of its last letter with the next) leaves the b(i) letters before
        # it alike and the L - 1 - b(i + 1) letters at the end; that head and tail are the key.
        # P is `most` (halves for the domain; eighths for the local part, whose first half is
        # often a common first name or a household's `thesmiths`), fewer for short parts.
        return f"""
            select email, '{kind}' as kind, lo, hi, before, kept,
                left({part}, greatest(before * (lo - 1) // p, 0)) as head,
                right({part}, greatest(lo - 1 - (before + 1) * (lo - 1) // p, 0)) as tail
            from (
                select *, unnest(range(p)) as before
                from (
                    select email, {part}, {kept} as kept, least(n, m) as lo,
                        greatest(n, m) as hi, least({most}, greatest(least(n, m) - 1, 1)) as p
                    from (select email, {part}, {kept}, length({part}) as n,
                            unnest([length({part}) - 1, length({part}), length({part}) + 1]) as m
                          from parts)
                    where m >= 0
                )
            )"""

    def keys(relation: str) -> str:
        return f"""
            (with last_at as (
                select email, strpos(reverse(email), '@') as from_end from {relation}
            ), parts as (
                select email, from_end > 0 as has_at,
                    case when from_end > 0 then left(email, length(email) - from_end)
                        else email end as local_part,
                    case when from_end > 0 then right(email, from_end - 1)
                        else '' end as domain
                from last_at
            )
            {pieces("local_part", "domain", "local", 8)}
            union all
            {pieces("domain", "local_part", "domain", 2)}
            union all
            select email, 'at', 0, 0, 0, local_part || domain, '', '' from parts where has_at)"""

    return f"""
        select distinct email
        from (
            select distinct e.email, s.email as seed
            from {keys("emails")} as e join {keys("seed_emails")} as s
                using (kind, lo, hi, before, kept, head, tail)
        )  -- a pair shares several keys; a seed's own address shares all of its own
        where email = seed or {one_typo("email", "seed")}"""


def typo_addresses(prepared: pd.DataFrame, typos: np.ndarray) -> np.ndarray:
    """Per record: does its e-mail take part in one of `typos` (either side)?"""
    email = prepared["email_key"]
    addresses = pd.unique(email.to_numpy(dtype=object)[typos.ravel()])
    return email.isin(addresses).to_numpy()


def sign_up_pairs(
    prepared: pd.DataFrame,
    mass_hours: frozenset[tuple[str, pd.Timestamp]],
    seeds: np.ndarray | None = None,
) -> np.ndarray:
    """(nameless, named): a nameless record whose address spells a named record's whole name
    and that was first seen within the hour of it: the pairs the sign-up rule
    (identity.deterministic.link_session_sign_ups) can accept, through the same test of
    spelling (`spelled_sign_ups`), on every nameless record rather than only those of nameless
    clusters (what clusters stay nameless depends on the other rules). Nameless records first
    seen in a mass hour sign nobody up. `seeds`: only among the records first seen within an
    hour cell of a seed's.
    Only spelling pairs, not every address that holds a family name: at 1M every hour has named
    records of every common family name, and such looser edges joined 337,697 records into one
    candidate component (D076, D077)."""
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    seen = ~np.isnat(observed)
    email = prepared["email_key"].astype(object)
    named = prepared["first_name_norm"].notna().to_numpy().copy()
    if seeds is not None:
        cell = observed.astype("datetime64[s]").astype(np.int64) // SESSION_SECONDS
        cells = np.unique(cell[seeds & seen])
        seen &= np.isin(cell, np.concatenate([cells - 1, cells, cells + 1]))
    nameless = seen & ~named & email.notna().to_numpy()
    nameless &= ~email.isin(pd.unique(email[named].dropna())).to_numpy()
    nameless[nameless] = ~in_a_mass_hour(prepared.iloc[np.flatnonzero(nameless)], mass_hours)
    named &= seen & prepared["last_name_norm"].notna().to_numpy()
    left, right = np.flatnonzero(nameless), np.flatnonzero(named)
    if not len(left) or not len(right):
        return np.empty((0, 2), dtype=np.int64)
    found = spelled_sign_ups(prepared, left, right, slack_seconds=_SLACK_SECONDS)
    return found[["left_rec", "right_rec"]].to_numpy(np.int64).reshape(-1, 2)


# -- what changed -----------------------------------------------------------------------------


def _holding_values(published: pd.DataFrame, values: frozenset[str]) -> np.ndarray:
    held = np.zeros(len(published), dtype=bool)
    for column in CONTACT_COLUMNS:
        held |= published[column].isin(list(values)).to_numpy()
    return held


def _in_hours(published: pd.DataFrame, hours: frozenset[tuple[str, pd.Timestamp]]) -> np.ndarray:
    if not hours:
        return np.zeros(len(published), dtype=bool)
    observed = pd.Series(published["observed_at"].to_numpy(dtype="datetime64[ns]")).dt.floor("h")
    index = pd.MultiIndex.from_arrays([published["source_system"].to_numpy(dtype=object), observed])
    return index.isin(list(hours))


def _spelling_names(
    published: pd.DataFrame, names: frozenset[str], in_pair: np.ndarray
) -> np.ndarray:
    """Records of a typo pair (`in_pair`: `typo_addresses`) whose address's letters hold one of
    `names`: the vocabulary decides only whether the two addresses of a typo pair spell names
    (identity.deterministic.link_typo_neighbours)."""
    if not names or not in_pair.any():
        return np.zeros(len(published), dtype=bool)
    email = pa.array(published["email_key"], type=pa.string(), from_pandas=True)
    local = pc.list_element(pc.split_pattern(email, "@", max_splits=1), 0)
    letters = pc.replace_substring_regex(local, "[^a-z]", "")
    pattern = "|".join(re.escape(n) for n in sorted(names))
    spelled = pc.fill_null(pc.match_substring_regex(letters, pattern), False)
    return in_pair & spelled.to_numpy(zero_copy_only=False)


def changed_edges(
    published: pd.DataFrame,
    before: IncrementalState,
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
) -> np.ndarray:
    """Per record: may its candidate edges differ from the last resolution's for a global fact
    (a value it holds crossing the overloaded threshold, its first-seen hour becoming or ending
    a mass hour)?"""
    return _holding_values(published, overloaded ^ before.overloaded) | _in_hours(
        published, whole_data.mass_hours ^ before.whole_data.mass_hours
    )


# -- the run ----------------------------------------------------------------------------------


@dataclass
class _Stored:
    """The last resolution, aligned to this run's records (record-key order)."""

    in_state: np.ndarray  # per record: its row of the stored inputs, -1 = new
    group: np.ndarray  # per record: its stored group, -1 = new
    changed: np.ndarray  # per record: new or an input column changed
    gone_groups: np.ndarray  # groups that held a record gone or changed
    in_previous: np.ndarray  # per record: its row of the last resolution's records, -1 = new
    row_records: np.ndarray  # per stored Splink row: its record, -1 = gone


def _positions(keys: pa.Array, within: pa.Array) -> np.ndarray:
    """Per key: its position in `within` (-1: not there). One Arrow hash lookup."""
    position = pc.index_in(keys, value_set=within).to_numpy(zero_copy_only=False)
    return np.where(pd.isna(position), -1, position).astype(np.int64)


def _align(
    keys: pa.Array, fingerprints: np.ndarray, last: LastResolution, before: IncrementalState
) -> _Stored:
    index = _positions(keys, record_keys(before.inputs))
    present = index >= 0
    stored_fp = before.inputs["fingerprint"].to_numpy(dtype=np.int64)
    stored_group = before.inputs["group_id"].to_numpy(dtype=np.int64)
    changed = ~present
    changed[present] = stored_fp[index[present]] != fingerprints[present]
    group = np.where(present, stored_group[np.maximum(index, 0)], -1)
    kept = np.zeros(len(before.inputs), dtype=bool)
    kept[index[present & ~changed]] = True
    return _Stored(
        index,
        group,
        changed,
        np.unique(stored_group[~kept]),
        _positions(keys, record_keys(last.records)),
        _positions(record_keys(before.splink_rows), keys),
    )


def resolve_incrementally(
    records: pd.DataFrame,
    last: LastResolution | None,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
    *,
    full_refresh: bool = False,
    affected_share_limit: float = AFFECTED_SHARE_LIMIT,
) -> IncrementalResolution:
    """Resolve `records` (int_identity_records, record-key order) given the `last` resolution
    (None: a first run). See the module."""
    config = config or ResolutionConfig()
    overrides = overrides or []
    timings: dict[str, float] = {}
    lap = _laps(timings)
    settings = settings_fingerprint(config, overrides)
    fingerprints = record_fingerprints(records)

    previous = last.records if last is not None else None
    before = last.state if last is not None else None

    def full(reason: str, model_from: IncrementalState | None = None) -> IncrementalResolution:
        return _resolve_all(
            records, previous, config, overrides, settings, fingerprints, reason, model_from
        )

    if full_refresh:
        return full("full refresh requested")
    if last is None or before is None:
        return full("no stored resolution state")
    if before.settings != settings:
        return full("identity's code, configuration or steward overrides changed")

    keys = record_keys(records)
    stored = _align(keys, fingerprints, last, before)
    published = _published(records, stored, before)
    overloaded = overloaded_values(published, config.max_people_per_contact)
    whole_data = WholeDataFacts.of(published)
    lap("incremental_compare_seconds")
    graph = _blanked(published, overloaded)
    # the records whose edges may have changed: new, changed, those a gone or changed record
    # shared a group with (a value it held may leave them free to link elsewhere), and the
    # holders of values whose global facts changed
    moved = (
        stored.changed
        | np.isin(stored.group, stored.gone_groups)
        | changed_edges(published, before, overloaded, whole_data)
    )
    candidate, typos = extended_components(
        graph, _stored_components(stored, before), moved, overrides, whole_data.mass_hours
    )
    in_typo_pair = _stored_flags(stored, before) | typo_addresses(graph, typos)
    lap("incremental_candidate_graph_seconds")
    names = whole_data.name_vocabulary ^ before.whole_data.name_vocabulary
    seeds = moved | _spelling_names(published, names, in_typo_pair)
    previous_ids = _previous_ids(stored.in_previous, previous)
    limit = affected_share_limit * len(records)
    affected, scored = _close(
        seeds, candidate, stored, previous_ids, limit, records, before, config, overrides,
        overloaded, whole_data,
    )  # fmt: skip
    if affected is None:
        # the rules normalise every record again rather than take the published values: one
        # code path for a full resolution, and none of this run's frames held beside it
        del published, graph, candidate, in_typo_pair
        return full(f"affected records above {affected_share_limit:.0%} of all", before)
    lap("incremental_closure_seconds")
    result = _combine(
        records, last, before, config, overrides, settings, fingerprints, published,
        overloaded, whole_data, affected, candidate, in_typo_pair, stored, scored,
    )  # fmt: skip
    lap("incremental_resolve_seconds")
    result.resolution.stats.update(timings)
    # located among all records, not only the re-resolved ones
    result.resolution.stats["overrides_unmatched"] = float(locate(published, overrides).unmatched)
    log.info("identity incremental: %s", {k: round(v, 2) for k, v in timings.items()})
    return result


def _laps(timings: dict[str, float]) -> Callable[[str], None]:
    """A stopwatch: each call records the seconds since the previous one under a name."""
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name], last[0] = now - last[0], now

    return lap


def _stored_components(stored: _Stored, before: IncrementalState) -> np.ndarray:
    """Per record: its stored candidate component; a new or changed record one of its own."""
    kept = ~stored.changed
    labels = before.inputs["candidate_id"].to_numpy(dtype=np.int64)
    out = np.empty(len(stored.changed), dtype=np.int64)
    out[kept] = labels[stored.in_state[kept]]
    first_free = int(labels.max()) + 1 if len(labels) else 0
    out[~kept] = first_free + np.arange(int((~kept).sum()))
    return out


def _stored_flags(stored: _Stored, before: IncrementalState) -> np.ndarray:
    """Per record: was its (unchanged) e-mail in a typo pair of the last run?"""
    kept = ~stored.changed
    flags = before.inputs["typo_address"].to_numpy(dtype=bool)
    out = np.zeros(len(stored.changed), dtype=bool)
    out[kept] = flags[stored.in_state[kept]]
    return out


def _graph_columns(prepared: pd.DataFrame) -> pd.DataFrame:
    """`prepared`'s GRAPH_COLUMNS, text as Python strings and None (as they come back from the
    stored state: both paths then hand the graph the same values)."""
    return _frame({c: _values(prepared[c]) for c in GRAPH_COLUMNS})


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Text stays object: pandas would convert it to Arrow one string at a time, and its
    Arrow `isin` looks values up one at a time too (seconds at 100,000 customers)."""
    return pd.DataFrame(
        {c: pd.Series(v, dtype=object) if v.dtype == object else v for c, v in columns.items()}
    )


def _values(column: pd.Series) -> np.ndarray:
    if column.name == "observed_at":
        return column.to_numpy(dtype="datetime64[ns]")
    return text_objects(column)


def _published(records: pd.DataFrame, stored: _Stored, before: IncrementalState) -> pd.DataFrame:
    """GRAPH_COLUMNS of every record: the stored values of the records unchanged since the last
    run, identity.records.prepare's for the new and changed ones only."""
    check_record_keys(records)
    fresh_at = np.flatnonzero(stored.changed)
    kept_at = np.flatnonzero(~stored.changed)
    fresh = prepare(records.iloc[fresh_at].reset_index(drop=True))
    state_rows = stored.in_state[kept_at]
    out = {}
    for column in GRAPH_COLUMNS:  # a column at a time: the stored state is not copied whole
        kept = _values(before.inputs[column].iloc[state_rows])
        values = np.empty(len(records), dtype=kept.dtype)
        values[kept_at] = kept
        values[fresh_at] = _values(fresh[column])
        out[column] = values
    return _frame(out)


def _blanked(published: pd.DataFrame, values: frozenset[str]) -> pd.DataFrame:
    out = published.copy()
    for column in CONTACT_COLUMNS:
        out[column] = out[column].where(~out[column].isin(list(values)), None)
    return out


def _previous_ids(in_previous: np.ndarray, previous: pd.DataFrame) -> np.ndarray:
    """Per record: its customer id in the last resolution (None: new)."""
    found = in_previous >= 0
    out = np.full(len(in_previous), None, dtype=object)
    out[found] = previous["customer_id"].to_numpy(dtype=object)[in_previous[found]]
    return out


def _spread(mask: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Every record whose label a masked record carries (labels < 0 / None carry nothing)."""
    chosen = pd.unique(labels[mask])
    chosen = chosen[~pd.isna(chosen)]
    if labels.dtype != object:
        chosen = chosen[chosen >= 0]
    return mask | pd.Series(labels).isin(chosen).to_numpy()


def _close(
    seeds: np.ndarray,
    candidate: np.ndarray,
    stored: _Stored,
    previous_ids: np.ndarray,
    limit: float,
    records: pd.DataFrame,
    before: IncrementalState,
    config: ResolutionConfig,
    overrides: list[Override],
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
) -> tuple[np.ndarray | None, int]:
    """The affected records (None: more than `limit`), and how many Splink checks it took."""
    affected = seeds.copy()
    checks = 0
    while True:
        size = -1
        while size != affected.sum():  # whole candidate components, old groups, old customers
            size = affected.sum()
            affected = _spread(_spread(_spread(affected, candidate), stored.group), previous_ids)
            if size > limit:
                return None, checks
        if config.probabilistic is None or before.model is None:
            return affected, checks
        checks += 1
        joined = _splink_neighbours(records, affected, stored, before, config, overrides,
                                    overloaded, whole_data)  # fmt: skip
        if not joined.any():
            return affected, checks
        affected |= joined


def _splink_neighbours(
    records: pd.DataFrame,
    affected: np.ndarray,
    aligned: _Stored,
    before: IncrementalState,
    config: ResolutionConfig,
    overrides: list[Override],
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
) -> np.ndarray:
    """Records outside `affected` that the stored model pairs with an affected record's row."""
    assert config.probabilistic is not None
    inside = np.flatnonzero(affected)
    linked = link_deterministically(
        records.iloc[inside].reset_index(drop=True), config, overrides, overloaded, whole_data
    )
    fresh = with_spelled_names(
        splink_rows(linked.prepared, linked.labels, overloaded),
        linked.prepared,
        linked.labels,
        overloaded,
        before.model,
    )
    fresh["unique_id"] = inside[fresh["unique_id"].to_numpy()]
    # stored rows of the other records: their clusters and values did not change
    at = aligned.row_records
    other = at >= 0
    other[other] = ~affected[at[other]]
    stored = before.splink_rows.loc[other].assign(unique_id=at[other])
    if not len(stored) or not len(fresh):
        return np.zeros(len(affected), dtype=bool)
    fresh["cluster"] = fresh["cluster"].to_numpy() + int(stored["cluster"].max()) + 1
    candidates = stored.loc[_sharing_a_block(stored, fresh)]
    if not len(candidates):
        return np.zeros(len(affected), dtype=bool)
    rows = pd.concat([fresh, candidates.loc[:, list(fresh.columns)]], ignore_index=True)
    rows = rows.sort_values("unique_id", ignore_index=True)
    pairs = predicted_pairs(rows, before.model, before.lambda_prior, config.probabilistic)
    left, right = pairs.record_l, pairs.record_r
    touching = affected[left] | affected[right]  # pairs of two other records: as stored
    joined = np.zeros(len(affected), dtype=bool)
    joined[np.concatenate([left[touching], right[touching]])] = True
    return joined & ~affected


def _sharing_a_block(stored: pd.DataFrame, fresh: pd.DataFrame) -> np.ndarray:
    """Per stored row: does it share a prediction blocking key with a fresh row? (Splink's
    blocking rules' equalities, as semi-joins in DuckDB.)"""
    blocks = [[(c, c) for c in cols] for cols in (*PREDICTION_BLOCKS, *NAME_ONLY_BLOCKS)]
    blocks.append([("first_name", "last_name"), ("last_name", "first_name")])  # names swapped
    columns = sorted({c for block in blocks for pair in block for c in pair})
    con = connect_scratch()
    try:
        # (the whole-name rule's derived blocking column, made on both sides alike)
        stored, fresh = with_first_prefix(stored), with_first_prefix(fresh)
        con.register("stored", stored.loc[:, columns].assign(row=np.arange(len(stored))))
        con.register("fresh", fresh.loc[:, columns])
        found = con.execute(
            " union ".join(
                "select row from stored as s semi join fresh as f on "
                + " and ".join(f"s.{a} = f.{b}" for a, b in block)
                for block in blocks
            )
        ).fetchnumpy()["row"]
    finally:
        con.close()
    shares = np.zeros(len(stored), dtype=bool)
    shares[found.astype(np.int64)] = True
    return shares


def _combine(
    records: pd.DataFrame,
    last: LastResolution,
    before: IncrementalState,
    config: ResolutionConfig,
    overrides: list[Override],
    settings: str,
    fingerprints: np.ndarray,
    published: pd.DataFrame,
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
    affected: np.ndarray,
    candidate: np.ndarray,
    in_typo_pair: np.ndarray,
    stored: _Stored,
    splink_checks: int,
) -> IncrementalResolution:
    """Resolve the affected records; keep every other record's answer as stored."""
    inside = np.flatnonzero(affected)
    previous = last.records
    scorer = _scorer(config, before.model, before.lambda_prior, train=False)
    if len(inside):
        part = resolve(
            records.iloc[inside].reset_index(drop=True), previous, config, overrides,
            overloaded=overloaded, whole_data=whole_data, scorer=scorer,
        )  # fmt: skip
    else:  # nothing changed
        part = Resolution(
            previous.iloc[:0].loc[:, list(OUTPUT_COLUMNS)],
            pd.DataFrame({"retired_customer_id": [], "customer_id": []}, dtype=object),
            {},
            last.edges.iloc[:0],
        )
    kept = previous.iloc[stored.in_previous[~affected]]
    out = pd.concat([kept.loc[:, list(OUTPUT_COLUMNS)], part.records], ignore_index=True)
    # back in record (key) order: kept rows are the other records in order, then `inside`
    order = np.argsort(np.concatenate([np.flatnonzero(~affected), inside]), kind="stable")
    out = out.iloc[order].reset_index(drop=True)
    kept_ids = pa.array(pd.unique(kept["customer_id"].to_numpy(dtype=object)), type=pa.string())
    old_edges = last.edges
    edges = pd.concat(
        [old_edges.loc[_isin(old_edges["customer_id"], kept_ids)], part.edges], ignore_index=True
    )
    # the last resolution's rows of the re-resolved records and of the records gone
    replaced = np.ones(len(previous), dtype=bool)
    replaced[stored.in_previous[np.flatnonzero(~affected)]] = False
    # the next run's state: stored groups and rows for the kept, new ones for the re-resolved
    kept_groups = stored.group[~affected]
    base = int(before.inputs["group_id"].max()) + 1 if len(before.inputs) else 0
    groups = np.empty(len(records), dtype=np.int64)
    groups[~affected] = kept_groups
    groups[inside] = base + _groups(candidate[inside], part, scorer)
    # the candidate components likewise (an affected record's component is all affected)
    stored_components = before.inputs["candidate_id"].to_numpy(dtype=np.int64)
    components_now = np.empty(len(records), dtype=np.int64)
    components_now[~affected] = stored_components[stored.in_state[~affected]]
    first_free = int(stored_components.max()) + 1 if len(stored_components) else 0
    components_now[inside] = first_free + dense_labels(candidate[inside])
    at = stored.row_records
    kept_rows = at >= 0
    kept_rows[kept_rows] = ~affected[at[kept_rows]]
    fresh_rows = _fresh_state_rows(before.splink_rows, records, scorer, inside)
    rows = pd.concat([before.splink_rows.loc[kept_rows], fresh_rows], ignore_index=True)
    stats = dict(part.stats)
    stats.update(
        records=float(len(out)),
        customers=float(out["customer_id"].nunique()),
        records_resolved=float(len(inside)),
        splink_checks=float(splink_checks),
    )
    resolution = Resolution(out, part.aliases, stats, edges.reset_index(drop=True))
    inputs = _inputs(published, fingerprints, groups, components_now, in_typo_pair)
    state = IncrementalState(
        settings, before.model, before.lambda_prior, overloaded, whole_data, inputs, rows
    )
    keys = pd.concat(
        [previous.loc[replaced, list(RECORD_KEY)], part.records.loc[:, list(RECORD_KEY)]],
        ignore_index=True,
    ).drop_duplicates(ignore_index=True)
    gone_customers = previous.loc[replaced, "customer_id"]
    changed = ChangedRows(
        keys=keys,
        customers=pd.unique(gone_customers.loc[~_isin(gone_customers, kept_ids)].to_numpy()),
        records=part.records.loc[:, list(OUTPUT_COLUMNS)],
        edges=part.edges,
        inputs=inputs.iloc[inside],
        splink_rows=fresh_rows,
    )
    return IncrementalResolution(
        resolution, state, INCREMENTAL, "stored resolution matches", len(inside), changed
    )


def _isin(column: pd.Series, values: pa.Array) -> np.ndarray:
    """Per value of a text column: is it one of `values`? One Arrow hash lookup (pandas' own
    `isin` of Arrow-backed text converts `values` one at a time)."""
    found = pc.is_in(pa.array(column, type=pa.string(), from_pandas=True), value_set=values)
    return found.to_numpy(zero_copy_only=False)


def _scorer(
    config: ResolutionConfig, model: dict | None, lambda_prior: float, train: bool
) -> StoredModelScorer | None:
    if config.probabilistic is None:
        return None
    return StoredModelScorer(config.probabilistic, model, lambda_prior, train)


def _resolve_all(
    records: pd.DataFrame,
    previous: pd.DataFrame | None,
    config: ResolutionConfig,
    overrides: list[Override],
    settings: str,
    fingerprints: np.ndarray,
    reason: str,
    model_from: IncrementalState | None,
) -> IncrementalResolution:
    """Resolve every record; train Splink's model unless `model_from` gives the stored one."""
    prepared = prepare(records)
    overloaded = overloaded_values(prepared, config.max_people_per_contact)
    whole_data = WholeDataFacts.of(prepared)
    if model_from is None:
        scorer = _scorer(config, None, 0.0, train=True)
    else:
        scorer = _scorer(config, model_from.model, model_from.lambda_prior, train=False)
    keyed = None if previous is None else previous.loc[:, [*RECORD_KEY, "customer_id"]]
    # the rules take the prepared records as they are, so nothing is normalised twice
    resolution = resolve(
        records, keyed, config, overrides, overloaded=overloaded, whole_data=whole_data,
        scorer=scorer, published=prepared,
    )  # fmt: skip
    # the graph's text as Python objects, made only now: at a million records 2 GB that the
    # rules' stage, the run's peak, need not hold beside the records it links
    published = _graph_columns(prepared)
    del prepared
    graph = _blanked(published, overloaded)
    typos = typo_pairs(graph)
    candidate = candidate_components(graph, overrides, whole_data.mass_hours, typos)
    groups = _groups(candidate, resolution, scorer)
    rows = _fresh_state_rows(pd.DataFrame(), records, scorer, np.arange(len(records)))
    model = scorer.model if scorer else None
    lambda_prior = scorer.lambda_prior if scorer else 0.0
    state = IncrementalState(
        settings,
        model,
        lambda_prior,
        overloaded,
        whole_data,
        _inputs(published, fingerprints, groups, candidate, typo_addresses(graph, typos)),
        rows,
    )
    resolution.stats["records_resolved"] = float(len(records))
    return IncrementalResolution(resolution, state, FULL, reason, len(records))


def _groups(
    candidate: np.ndarray, part: Resolution, scorer: StoredModelScorer | None
) -> np.ndarray:
    """Per record of `part`: its group (candidate components joined by accepted pairs and by
    customers), 0..k-1."""
    n = len(candidate)
    customer = pd.factorize(part.records["customer_id"])[0].astype(np.int64)
    base = shared_key_components(n, [[dense_labels(candidate)], [customer]])
    if scorer is None or scorer.pairs is None or not len(scorer.pairs.record_l):
        return base
    joined = components(
        int(base.max()) + 1, base[scorer.pairs.record_l], base[scorer.pairs.record_r]
    )
    return dense_labels(joined[base])


def _fresh_state_rows(
    stored: pd.DataFrame,
    records: pd.DataFrame,
    scorer: StoredModelScorer | None,
    inside: np.ndarray,
) -> pd.DataFrame:
    """Splink's rows for the next run of the re-resolved records (`inside`): the scorer's, their
    clusters numbered after those of the `stored` rows (the last run's)."""
    fresh = scorer.rows.copy() if scorer is not None else pd.DataFrame()
    if not len(fresh):
        return (
            stored.iloc[:0]
            if len(stored.columns)
            else pd.DataFrame(columns=[*RECORD_KEY, "cluster"])
        )
    at = inside[fresh.pop("unique_id").to_numpy(dtype=np.int64)]
    for column in RECORD_KEY:
        fresh[column] = records[column].to_numpy(dtype=object)[at]
    if not len(stored):
        return fresh
    offset = int(stored["cluster"].max()) + 1
    fresh["cluster"] = fresh["cluster"].to_numpy(dtype=np.int64) + offset
    return fresh.loc[:, list(stored.columns)]


def _inputs(
    published: pd.DataFrame,
    fingerprints: np.ndarray,
    groups: np.ndarray,
    candidate: np.ndarray,
    in_typo_pair: np.ndarray,
) -> pd.DataFrame:
    out = published.copy()
    out["fingerprint"] = fingerprints
    out["candidate_id"] = candidate
    out["typo_address"] = in_typo_pair
    out["group_id"] = groups
    return out
