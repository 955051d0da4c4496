"""Identity resolution incremental: a run re-resolves only the records a delivery can affect.

Every rule is local to a connected component of a *candidate graph* over the records
(scale_out/resolve_on_spark.py: explicit ids and contact values, e-mails one typo apart, a
nameless address that could spell a named record's name within the hour, the steward pairs),
and Splink's accepted pairs join such components into *groups*; identity.resolve run on a
union of whole groups, with the global facts (overloaded values, `WholeDataFacts`) counted over
every record, decides each of its records as the resolution of all records does. So a run:

1. finds what changed since the last resolution: records new, changed (a fingerprint of every
   input column) or gone, and the records whose global facts changed (a contact value crossing
   the overloaded threshold, a mass hour, a name entering or leaving the name vocabulary);
2. closes that set: whole candidate components, whole groups of the last resolution (what a
   changed or gone record decided before), whole customers of the last resolution, and the
   groups of the last resolution that Splink now pairs with one of its records, until nothing
   joins;
3. resolves those records only (`identity.resolve.resolve` with the global facts and the stored
   model as scorer) and keeps every other record's customer id, method, probability and edges;
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
    one_typo,
)
from identity.guards import CONTACT_COLUMNS, overloaded_values
from identity.overrides import Override, locate
from identity.probabilistic import (
    NAME_ONLY_BLOCK,
    PREDICTION_BLOCKS,
    ProbabilisticConfig,
    RowCounts,
    ScoredPairs,
    predicted_pairs,
    splink_rows,
    trained_model,
    training_sample,
    with_name_frequencies,
    with_spelled_names,
)
from identity.records import prepare
from identity.resolve import Resolution, ResolutionConfig, link_deterministically, resolve
from identity.schema import INPUT_COLUMNS, OUTPUT_COLUMNS, RECORD_KEY
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


@dataclass
class IncrementalState:
    """What a resolution leaves for the next run to compare with (schema `identity`, written
    with the resolution by identity.store)."""

    settings: str  # fingerprint of the code, the configuration and the steward overrides
    model: dict | None  # Splink's trained model (`save_model_to_json`), None: none trained
    lambda_prior: float
    overloaded: frozenset[str]
    whole_data: WholeDataFacts
    inputs: pd.DataFrame  # RECORD_KEY, fingerprint, group_id: per record resolved
    splink_rows: pd.DataFrame  # RECORD_KEY + splink_rows' columns (unique_id dropped)


@dataclass
class LastResolution:
    """What the last run wrote (identity.store.read_last_resolution)."""

    records: pd.DataFrame  # OUTPUT_COLUMNS
    edges: pd.DataFrame  # identity.edges.EDGE_COLUMNS
    state: IncrementalState | None  # None: the last run left none (Spark, an older version)


@dataclass
class IncrementalResolution:
    resolution: Resolution  # every record's answer, as identity.resolve gives it
    state: IncrementalState
    mode: str  # FULL or INCREMENTAL
    reason: str  # why this mode
    records_resolved: int  # records this run re-resolved


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
    located = locate(prepared, overrides)
    if typos is None:
        typos = typo_pairs(prepared)
    pairs = [typos, _sign_up_pairs(prepared, mass_hours)]
    pairs += [np.array([(a, b) for a, b, _ in located.merges + located.splits], dtype=np.int64)]
    joined = np.concatenate([p.reshape(-1, 2) for p in pairs])
    if not len(joined):
        return by_key
    groups = components(int(by_key.max()) + 1, by_key[joined[:, 0]], by_key[joined[:, 1]])
    return dense_labels(groups[by_key])


def typo_pairs(prepared: pd.DataFrame) -> np.ndarray:
    """(record, record): a nameless record's e-mail one typo from a named record's (one record
    per address: the others share the address's key node)."""
    frame = pd.DataFrame(
        {
            "rec": np.arange(len(prepared), dtype=np.int64),
            "email": prepared["email_key"].astype(object),
            "named": prepared["first_name_norm"].notna().to_numpy(),
        }
    ).dropna(subset=["email"])
    con = connect_scratch()
    try:
        con.register("records", frame)
        found = con.execute(f"""
            with emails as (
                select email, min(rec) as rec, bool_or(named) as named,
                    bool_or(not named) as nameless
                from records group by email
            ), positions as (
                select email, rec, named, nameless, unnest(range(1, length(email) + 1)) as i
                from emails
            ), variants as (
                select email, rec, named, nameless, email as variant from emails
                union all
                select email, rec, named, nameless,
                    substring(email, 1, i - 1) || substring(email, i + 1) as variant
                from positions where substring(email, i, 1) <> '@'
            )
            select distinct l.rec, r.rec
            from variants as l join variants as r using (variant)
            where l.nameless and r.named and l.email <> r.email
                and {one_typo("l.email", "r.email")}""").fetchnumpy()
    finally:
        con.close()
    return np.column_stack([found["rec"], found["rec_1"]]).astype(np.int64)


def _sign_up_pairs(
    prepared: pd.DataFrame, mass_hours: frozenset[tuple[str, pd.Timestamp]]
) -> np.ndarray:
    """(nameless, named): a nameless record whose address's letters hold a named record's
    family name (three letters or more), first seen within the hour of it: every address the
    sign-up rule says spells that person's name holds the family name. Nameless records first
    seen in a mass hour sign nobody up (identity.deterministic.link_session_sign_ups)."""
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[s]")
    seconds = np.where(np.isnat(observed), 0, observed.astype(np.int64))
    frame = pd.DataFrame(
        {
            "rec": np.arange(len(prepared), dtype=np.int64),
            "email": prepared["email_key"].astype(object),
            "first": prepared["first_name_norm"].astype(object),
            "last": prepared["last_name_norm"].astype(object),
            "t": seconds,
            "seen": ~np.isnat(observed),
            "mass": in_a_mass_hour(prepared, mass_hours),
        }
    )
    con = connect_scratch()
    try:
        con.register("records", frame)
        found = con.execute(f"""
            with nameless as (
                select rec, t, unnest([t // {SESSION_SECONDS} - 1, t // {SESSION_SECONDS},
                        t // {SESSION_SECONDS} + 1]) as hour,
                    regexp_replace(split_part(email, '@', 1), '[^a-z]', '', 'g') as letters
                from records
                where seen and not mass and email is not null and first is null
                    and email not in (
                        select email from records where first is not null and email is not null)
            ), named as (
                select rec, t, t // {SESSION_SECONDS} as hour, last
                from records where seen and first is not null and length(last) >= 3
            )
            select distinct l.rec, r.rec
            from nameless as l join named as r using (hour)
            where length(l.letters) >= 4 and abs(l.t - r.t) <= {SESSION_SECONDS + _SLACK_SECONDS}
                and contains(l.letters, r.last)""").fetchnumpy()
    finally:
        con.close()
    return np.column_stack([found["rec"], found["rec_1"]]).astype(np.int64)


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
    published: pd.DataFrame, names: frozenset[str], typos: np.ndarray
) -> np.ndarray:
    """Records of a typo pair (`typo_pairs`) whose address's letters hold one of `names`: the
    vocabulary decides only whether the two addresses of a typo pair spell names
    (identity.deterministic.link_typo_neighbours)."""
    in_pair = np.zeros(len(published), dtype=bool)
    in_pair[typos.ravel()] = True
    if not names or not in_pair.any():
        return np.zeros(len(published), dtype=bool)
    email = pa.array(published["email_key"], type=pa.string(), from_pandas=True)
    local = pc.list_element(pc.split_pattern(email, "@", max_splits=1), 0)
    letters = pc.replace_substring_regex(local, "[^a-z]", "")
    pattern = "|".join(re.escape(n) for n in sorted(names))
    spelled = pc.fill_null(pc.match_substring_regex(letters, pattern), False)
    return in_pair & spelled.to_numpy(zero_copy_only=False)


def changed_by_global_facts(
    published: pd.DataFrame,
    before: IncrementalState,
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
    typos: np.ndarray,
) -> np.ndarray:
    """Per record: do the global facts its rules read differ from the last resolution's?"""
    return (
        _holding_values(published, overloaded ^ before.overloaded)
        | _in_hours(published, whole_data.mass_hours ^ before.whole_data.mass_hours)
        | _spelling_names(
            published, whole_data.name_vocabulary ^ before.whole_data.name_vocabulary, typos
        )
    )


# -- the run ----------------------------------------------------------------------------------


@dataclass
class _Stored:
    """The last resolution, aligned to this run's records (record-key order)."""

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
    published = prepare(records)
    overloaded = overloaded_values(published, config.max_people_per_contact)
    whole_data = WholeDataFacts.of(published)
    lap("incremental_compare_seconds")

    previous = last.records if last is not None else None
    before = last.state if last is not None else None

    def full(reason: str, model_from: IncrementalState | None = None) -> IncrementalResolution:
        return _resolve_all(
            records, previous, config, overrides, settings, fingerprints, published,
            overloaded, whole_data, reason, model_from,
        )  # fmt: skip

    if full_refresh:
        return full("full refresh requested")
    if last is None or before is None:
        return full("no stored resolution state")
    if before.settings != settings:
        return full("identity's code, configuration or steward overrides changed")

    keys = record_keys(records)
    stored = _align(keys, fingerprints, last, before)
    graph = _blanked(published, overloaded)
    typos = typo_pairs(graph)
    candidate = candidate_components(graph, overrides, whole_data.mass_hours, typos)
    lap("incremental_candidate_graph_seconds")
    seeds = (
        stored.changed
        | np.isin(stored.group, stored.gone_groups)
        | changed_by_global_facts(published, before, overloaded, whole_data, typos)
    )
    previous_ids = _previous_ids(stored.in_previous, previous)
    limit = affected_share_limit * len(records)
    affected, scored = _close(
        seeds, candidate, stored, previous_ids, limit, records, before, config, overrides,
        overloaded, whole_data,
    )  # fmt: skip
    if affected is None:
        return full(f"affected records above {affected_share_limit:.0%} of all", before)
    lap("incremental_closure_seconds")
    result = _combine(
        records, last, before, config, overrides, settings, fingerprints, overloaded,
        whole_data, affected, candidate, stored, scored,
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
    blocks = [[(c, c) for c in cols] for cols in (*PREDICTION_BLOCKS, NAME_ONLY_BLOCK)]
    blocks.append([("first_name", "last_name"), ("last_name", "first_name")])  # names swapped
    columns = sorted({c for block in blocks for pair in block for c in pair})
    con = connect_scratch()
    try:
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
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
    affected: np.ndarray,
    candidate: np.ndarray,
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
    kept_ids = set(kept["customer_id"])
    old_edges = last.edges
    edges = pd.concat(
        [old_edges.loc[old_edges["customer_id"].isin(kept_ids)], part.edges], ignore_index=True
    )
    # the next run's state: stored groups and rows for the kept, new ones for the re-resolved
    kept_groups = stored.group[~affected]
    base = int(before.inputs["group_id"].max()) + 1 if len(before.inputs) else 0
    groups = np.empty(len(records), dtype=np.int64)
    groups[~affected] = kept_groups
    groups[inside] = base + _groups(candidate[inside], part, scorer)
    at = stored.row_records
    kept_rows = at >= 0
    kept_rows[kept_rows] = ~affected[at[kept_rows]]
    rows = _state_rows(before.splink_rows.loc[kept_rows], records, scorer, inside)
    stats = dict(part.stats)
    stats.update(
        records=float(len(out)),
        customers=float(out["customer_id"].nunique()),
        records_resolved=float(len(inside)),
        splink_checks=float(splink_checks),
    )
    resolution = Resolution(out, part.aliases, stats, edges.reset_index(drop=True))
    state = IncrementalState(
        settings,
        before.model,
        before.lambda_prior,
        overloaded,
        whole_data,
        _inputs(records, fingerprints, groups),
        rows,
    )
    return IncrementalResolution(
        resolution, state, INCREMENTAL, "stored resolution matches", len(inside)
    )


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
    published: pd.DataFrame,
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
    reason: str,
    model_from: IncrementalState | None,
) -> IncrementalResolution:
    """Resolve every record; train Splink's model unless `model_from` gives the stored one."""
    if model_from is None:
        scorer = _scorer(config, None, 0.0, train=True)
    else:
        scorer = _scorer(config, model_from.model, model_from.lambda_prior, train=False)
    keyed = None if previous is None else previous.loc[:, [*RECORD_KEY, "customer_id"]]
    resolution = resolve(
        records, keyed, config, overrides, overloaded=overloaded, whole_data=whole_data,
        scorer=scorer,
    )  # fmt: skip
    candidate = candidate_components(
        _blanked(published, overloaded), overrides, whole_data.mass_hours
    )
    groups = _groups(candidate, resolution, scorer)
    rows = _state_rows(pd.DataFrame(), records, scorer, np.arange(len(records)))
    model = scorer.model if scorer else None
    lambda_prior = scorer.lambda_prior if scorer else 0.0
    state = IncrementalState(
        settings,
        model,
        lambda_prior,
        overloaded,
        whole_data,
        _inputs(records, fingerprints, groups),
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


def _state_rows(
    stored: pd.DataFrame,
    records: pd.DataFrame,
    scorer: StoredModelScorer | None,
    inside: np.ndarray,
) -> pd.DataFrame:
    """Splink's rows for the next run: the stored rows of the kept records (`stored`), the
    scorer's for the re-resolved (their clusters numbered after the stored ones)."""
    fresh = scorer.rows.copy() if scorer is not None else pd.DataFrame()
    if not len(fresh):
        return stored if len(stored) else pd.DataFrame(columns=[*RECORD_KEY, "cluster"])
    at = inside[fresh.pop("unique_id").to_numpy(dtype=np.int64)]
    for column in RECORD_KEY:
        fresh[column] = records[column].to_numpy(dtype=object)[at]
    if not len(stored):
        return fresh
    offset = int(stored["cluster"].max()) + 1
    fresh["cluster"] = fresh["cluster"].to_numpy(dtype=np.int64) + offset
    return pd.concat([stored, fresh.loc[:, list(stored.columns)]], ignore_index=True)


def _inputs(records: pd.DataFrame, fingerprints: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
    out = records.loc[:, list(RECORD_KEY)].astype(object).copy()
    out["fingerprint"] = fingerprints
    out["group_id"] = groups
    return out
