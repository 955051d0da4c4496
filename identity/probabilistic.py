"""Probabilistic linking (Splink, DuckDB backend) of what the deterministic rules left apart.

Records with a first or a family name take part (a name is what a typo'd e-mail or a changed
surname leaves to compare), one row per distinct identity within a deterministic cluster, and
predictions only compare rows of *different* clusters. The Fellegi-Sunter parameters come from the data:

- lambda (the prior that two random rows match) from the deterministic clusters themselves
  (counts over all rows: `RowCounts`);
- u by random sampling of row pairs (`estimate_u_using_random_sampling`, seeded);
- m by expectation maximisation on two blocking rules (`estimate_parameters_using_...`).

u and m are trained on at most `max_training_rows` rows (`training_sample`: whole deterministic
clusters chosen by a seeded hash), so that training holds a bounded table whatever the size of
the company, and another engine (scale_out/resolve_on_spark.py) picks the same rows and trains
the same model; prediction compares all rows.

A pair is accepted when its evidence (match weight without the prior) reaches the threshold and
it agrees on a personal identifier or the whole name at one place (`ACCEPTANCE`), or when it has
nothing but the whole name in common and that name is rare enough for the size of the data
(`NAME_ONLY_MIN_POSTERIOR_BITS`: the names' frequencies against the prior); accepted pairs then
merge clusters strongest first, through the same guards as the deterministic links
(`guards.merge_profiles`, in their typo-tolerant form).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from identity.components import GuardedUnionFind
from identity.deterministic import (
    address_has_family_name,
    address_names,
    not_a_substitution,
    one_typo,
)
from identity.guards import last_names_overlap, profiles_by_label
from identity.normalise import first_name_keys, map_unique, one_edit
from warehouse.connections import connect_scratch

log = logging.getLogger(__name__)

#: Acceptance threshold on the evidence of a pair: Splink's match weight without the prior, i.e.
#: the log2 Bayes factor of its comparisons. The prior (lambda) shrinks as 1/records, so a
#: threshold on the match probability would mean something else at every data size; the
#: evidence does not. Chosen on FEBRL 3 (the conservative end of its F1 plateau), checked on
#: FEBRL 4, the demo and the second simulator profile (docs/identity.md, section 8).
DEFAULT_MIN_EVIDENCE_BITS = 15.0

_SPLINK_COLUMNS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "phone2",
    "postal_code",
    "street",
    "city",
    "birth_date",
]

#: The prepared records' columns `splink_rows` reads.
_PREPARED_COLUMNS = [
    "first_name_norm",
    "first_name_class",
    "last_name_norm",
    "email_key",
    "phone_e164",
    "secondary_phone_e164",
    "postal_code5",
    "street_key",
    "city_norm",
    "observed_at",
    "birth_date",
]

# Predictions compare rows of different deterministic clusters only: within a cluster the
# question is already answered.
PREDICTION_BLOCKS = (
    ("last_name", "postal_code"),
    ("first_class", "postal_code"),
    ("email_local",),
    ("first_class", "last_name", "email_domain", "email_initial"),
    ("birth_date", "postal_code"),
    ("birth_date", "last_name"),
    ("birth_date", "first_class"),
    ("street", "postal_code"),
    ("street", "city"),
    ("first_class", "last_name", "session_even"),
    ("first_class", "last_name", "session_odd"),
)


#: Names and a postal code never merge two records on their own: household members and namesakes
#: share them. An accepted pair must agree on a personal identifier and contradict on none (two
#: different phones, two postal codes more than a typo apart). The personal identifier is the
#: same e-mail, a phone in common, the same birth date, or an e-mail one typo away where one of
#: the two addresses is used only once (a typo is a one-off): addresses are made of names, so
#: namesakes' addresses are often one edit apart, and that evidence is not independent of the
#: name agreement the model already counts.
#: Or it is the whole name (the same given name up to a typo, nickname or short form, and the
#: same family name) with no birth date against it, at the same street address, or first seen
#: within the same hour (a CRM contact opened at the till beside the shop account). A street
#: address is a household's, not a person's, so it never stands in for the given name; namesakes
#: in other households live elsewhere and rarely turn up in the same hour. Where the whole name
#: and the street address or the hour agree, two different phones (a household landline and a
#: mobile) and a mistyped postal code are no contradiction; nor is the postal code where the
#: street address and the city agree.
_PHONE_IN_COMMON = "(phone_l in (phone_r, phone2_r) or phone2_l in (phone_r, phone2_r))"
_SAME_STREET = f"(street_l = street_r or {one_typo('street_l', 'street_r')})"
_SAME_CITY = f"(city_l = city_r or {one_typo('city_l', 'city_r')})"
_SAME_HOUR = "abs(first_seen_l - first_seen_r) <= 3600"
#: Given and family name each other's (up to a typo): a form with the fields in the other
#: order, a name written family name first. Both name comparisons have this level, so a swapped
#: name weighs as the two names agreeing, as EM finds it among true matches.
_NAMES_SWAPPED = (
    "jaro_winkler_similarity(first_name_l, last_name_r) >= 0.92 "
    "and jaro_winkler_similarity(last_name_l, first_name_r) >= 0.92"
)
#: One family name is the other's initial: Zendesk names a user who writes in from a social
#: network after the profile (`Elizabeth C.`, `Brandon B.`), and the agent adds the e-mail
#: later. A level of its own, between the names swapped and a disagreement, so EM weighs it
#: from the data instead of the model counting it as another family name (an initial never
#: made the whole name: `_SAME_WHOLE_NAME` leaves it out).
_FAMILY_INITIAL = (
    "least(length(last_name_l), length(last_name_r)) = 1 "
    "and left(last_name_l, 1) = left(last_name_r, 1)"
)
#: first-name levels from `exact` down to `Jaro-Winkler >= 0.9` (see `_settings`) and family
#: name exact or Jaro-Winkler >= 0.92 (levels 4 and 3), or both names swapped (level 2 of
#: each; 1 is the family initial)
_SAME_WHOLE_NAME = (
    "((gamma_first_name >= 3 and gamma_last_name >= 3) "
    "or (gamma_first_name = 2 and gamma_last_name = 2))"
)
_BIRTH_DATES_AGREE = (
    f"(birth_date_l is null or birth_date_r is null or {one_typo('birth_date_l', 'birth_date_r')})"
)
_NAMED_AT_ONE_PLACE = (
    f"({_SAME_WHOLE_NAME} and {_BIRTH_DATES_AGREE} and ({_SAME_STREET} or {_SAME_HOUR}))"
)
#: The whole name and the birth date: one person wherever they live. A move changes the phone and
#: the postal code, not the name and the birthday; household members and namesakes rarely share
#: both.
_NAMED_AND_BORN = f"({_SAME_WHOLE_NAME} and birth_date_l = birth_date_r)"
#: The same whole name, written alike, with addresses one typo apart where the typo is in the
#: letters of the local part and is a dropped, doubled or swapped one (`elizaeth.thomas@` beside
#: `elizabeth.thomas@`, both used twice: the shop copied it to billing). Namesakes' addresses
#: differ by a substituted letter (`jmason@` / `cmason@`), a digit or punctuation
#: (`jsmith@` / `jsmith1@`, `jennifer_smith@` / `jennifer.smith@`) or the provider
#: (`hollydavis@gmail.com` / `hollydavis@mail.com`), which do not count.
_EMAIL_TYPO_OF_ONE_NAME = (
    "(first_name_l = first_name_r and last_name_l = last_name_r "
    f"and {one_typo('email_l', 'email_r')} "
    "and split_part(email_l, '@', 2) = split_part(email_r, '@', 2) "
    "and regexp_replace(email_l, '[^a-z@]', '', 'g') <> regexp_replace(email_r, '[^a-z@]', '', 'g') "
    f"and {not_a_substitution('email_l', 'email_r')})"
)
ACCEPTANCE = (
    f"(email_l = email_r or ({one_typo('email_l', 'email_r')} and least(email_uses_l, email_uses_r) = 1) "
    f"or {_PHONE_IN_COMMON} or birth_date_l = birth_date_r or {_NAMED_AT_ONE_PLACE} "
    f"or {_EMAIL_TYPO_OF_ONE_NAME}) "
    f"and (phone_l is null or phone_r is null or {_PHONE_IN_COMMON} or {_NAMED_AT_ONE_PLACE} "
    f"or {_NAMED_AND_BORN}) "
    "and (postal_code_l is null or postal_code_r is null "
    f"or {one_typo('postal_code_l', 'postal_code_r')} or ({_SAME_STREET} and {_SAME_CITY}) "
    f"or {_NAMED_AT_ONE_PLACE} or {_NAMED_AND_BORN})"
)


#: Evidence weighed by how rare it is (issue 12): a pair whose only agreement is the whole name,
#: written alike, with nothing against it (no two e-mails, unless one is the side's family
#: address, `thegarcias@`; no two phones; no birth dates or postal codes more than a typo apart).
#: Its name agreement is weighed by the names' frequencies (Splink's term-frequency adjustment:
#: the Bayes factor of an exact match is m / the share of rows holding the value, where the
#: model's is m / u), and it merges when the posterior odds, with the prior of this data
#: (lambda), reach `NAME_ONLY_MIN_POSTERIOR_BITS`. The prior shrinks as 1/rows, so the larger
#: the warehouse the rarer a name must be: `Mathew Shepherd` among 3,000 people is one man,
#: `John Chen` among 100,000 is several. The other acceptance rules keep the model's evidence
#: without frequencies (with them, a rare given name pushed namesakes' one-typo addresses over
#: the threshold at 100,000 customers).
NAME_ONLY_MIN_POSTERIOR_BITS = float(np.log2(0.9 / 0.1))  # P(same person) >= 0.9
#: The blocking rules that bring such pairs together (scored on their own: `_name_only_pairs`):
#: the same family name and the same given name, its class (a nickname of one given name takes
#: that name's: `doug` -> `douglas`) or its first three letters (`jen` / `jennifer`; the column
#: `first_prefix`, made by `with_first_prefix`).
NAME_ONLY_BLOCKS = (
    ("first_name", "last_name"),
    ("first_class", "last_name"),
    ("first_prefix", "last_name"),
)
FIRST_PREFIX_LETTERS = 3
#: The key in a model (`trained_model` plus `with_name_frequencies`) holding the frequencies.
NAME_FREQUENCIES = "touchpoint_name_frequencies"
_NAME_LEVELS = ("first_name", "last_name")


def _family_address(side: str) -> str:
    """The side's e-mail is its family name and the words addresses add to one (`thegarcias@`,
    `colemanfamily@`, `hill.home@`): a household's, no evidence against one member."""
    letters = f"regexp_replace(split_part(email_{side}, '@', 1), '[^a-z]', '', 'g')"
    return (
        f"(not spelled_{side} and strpos({letters}, last_name_{side}) > 0 and regexp_full_match("
        f"replace({letters}, last_name_{side}, ''), '(the|family|home|s)*'))"
    )


#: Given names that are one name's forms, as the whole-name rule takes them, by the level of the
#: model's given-name comparison they agree at (`_settings`; its m is what the agreement weighs,
#: a nickname or short form being a weaker one than the same name): 6, the same name; 5, one a
#: nickname of the other where both stand for one given name only (`Doug` / `Douglas`: the
#: first-name class; not `Pat` / `Patrick`, `Pat` being Patricia's too, nor `Mandy` / `Randy`,
#: both nicknames of a `Miranda`); 4, one the start of the other, three letters or more, that
#: starts no other given name the data holds (`Derr` / `Derrick`, `Carol` / `Carolann`: the
#: short forms staff type into a CRM contact; not `Dan` beside Daniel and Danielle). Read with
#: the rows' `name_evidence` as `n` (left) and `o` (right).
_GIVEN_NAME_FORMS = (
    "(p.gamma_first_name = 6 "
    "or (p.gamma_first_name = 5 and n.first_class = o.first_class "
    "and (list_contains(p.first_keys_l, p.first_name_r) "
    "or list_contains(p.first_keys_r, p.first_name_l))) "
    "or (p.gamma_first_name = 4 and least(length(p.first_name_l), length(p.first_name_r)) >= 3 "
    "and (case when length(p.first_name_l) < length(p.first_name_r) then n.starts_one_name "
    "else o.starts_one_name end)))"
)
_GIVEN_NAME_FORM_LEVELS = {6: "exact", 5: "nickname", 4: "short form"}

_NAME_ONLY = (
    "last_name_l = last_name_r "
    f"and (email_l is null or email_r is null or {_family_address('l')} "
    f"or {_family_address('r')}) "
    f"and (phone_l is null or phone_r is null) and {_BIRTH_DATES_AGREE} "
    "and (postal_code_l is null or postal_code_r is null "
    f"or {one_typo('postal_code_l', 'postal_code_r')})"
)

EM_BLOCKING_RULES = (("first_class", "last_name", "postal_code"), ("email",))


@dataclass(frozen=True)
class ProbabilisticConfig:
    min_evidence_bits: float = DEFAULT_MIN_EVIDENCE_BITS
    u_max_pairs: float = 2e6
    em_max_pairs: float = 2e6
    seed: int = 20260101
    threads: int | None = None  # DuckDB threads for Splink; None = DuckDB's default
    #: Below this many rows there are too few pairs to estimate m and u: the step is skipped.
    min_rows: int = 1000
    #: u and m are trained on at most this many rows (`training_sample`); the prior and the
    #: prediction use all of them.
    max_training_rows: int = 100_000
    #: The whole-name rule's threshold on the posterior odds (`NAME_ONLY_MIN_POSTERIOR_BITS`);
    #: None turns the rule off (scale_out's Spark path has no such rule).
    name_only_min_posterior_bits: float | None = NAME_ONLY_MIN_POSTERIOR_BITS

    def __post_init__(self) -> None:
        if self.max_training_rows < 2:
            raise ValueError(f"max_training_rows must be at least 2, not {self.max_training_rows}")


@dataclass(frozen=True)
class ScoredPairs:
    """Accepted cross-cluster pairs as record indices, with Splink's match probability and the
    evidence (log2 Bayes factor) it rests on."""

    record_l: np.ndarray
    record_r: np.ndarray
    probability: np.ndarray
    evidence_bits: np.ndarray
    rows_compared: int
    lambda_prior: float


def splink_rows(
    prepared: pd.DataFrame, clusters: np.ndarray, shared_values: frozenset[str] = frozenset()
) -> pd.DataFrame:
    """Records with a first or a family name, one per distinct identity within its
    deterministic cluster.

    `shared_values` (overloaded e-mails and phones: placeholders, a shop's line) are blanked:
    they identify nobody. Household values stay: the model weighs them against the names, and
    the guards refuse any merge of two different first names.
    """
    named = (prepared["first_name_norm"].notna() | prepared["last_name_norm"].notna()).to_numpy()
    records = prepared.loc[named, _PREPARED_COLUMNS]  # not every column: millions of rows
    personal = {
        c: records[c].where(~records[c].isin(shared_values))
        for c in ("email_key", "phone_e164", "secondary_phone_e164")
    }
    email = pa.array(personal["email_key"], type=pa.string(), from_pandas=True)
    email_parts = pc.split_pattern(email, "@", max_splits=1)
    # records per e-mail (all records, named or not), counted on integer codes
    email_codes = pd.factorize(prepared["email_key"], use_na_sentinel=True)[0]
    uses = np.append(np.bincount(email_codes[email_codes >= 0]), 0)[email_codes[named]]
    email_uses = np.where(personal["email_key"].notna().to_numpy(), uses, np.nan)
    # seconds since the epoch (null: unknown); two records first seen within an hour share a
    # two-hour bucket of one of the two offsets, which is what the blocking rules join on
    observed = records["observed_at"].to_numpy(dtype="datetime64[s]")
    first_seen = pd.array(np.where(np.isnat(observed), 0, observed.astype(np.int64)), dtype="Int64")
    first_seen[np.isnat(observed)] = pd.NA
    rows = pd.DataFrame(
        {
            "unique_id": np.flatnonzero(named).astype(np.int64),
            "cluster": clusters[named],
            "first_name": records["first_name_norm"].to_numpy(dtype=object),
            "first_class": records["first_name_class"].to_numpy(dtype=object),
            "last_name": records["last_name_norm"].to_numpy(dtype=object),
            "email": email.to_numpy(zero_copy_only=False),
            "email_local": pc.list_element(email_parts, 0).to_numpy(zero_copy_only=False),
            "email_domain": pc.list_element(email_parts, 1).to_numpy(zero_copy_only=False),
            "email_initial": pc.utf8_slice_codeunits(email, 0, 1).to_numpy(zero_copy_only=False),
            "email_uses": email_uses if np.isnan(email_uses).any() else uses,
            "phone": personal["phone_e164"]
            .where(personal["phone_e164"].notna(), personal["secondary_phone_e164"])
            .to_numpy(),
            "phone2": personal["secondary_phone_e164"]
            .where(personal["phone_e164"].notna())
            .to_numpy(),
            "postal_code": records["postal_code5"].to_numpy(dtype=object),
            "street": records["street_key"].to_numpy(dtype=object),
            "city": records["city_norm"].to_numpy(dtype=object),
            "first_seen": first_seen,
            "session_even": first_seen // 7200,
            "session_odd": (first_seen + 3600) // 7200,
            "birth_date": map_unique(records["birth_date"], lambda d: d.isoformat()),
        }
    )
    # one row per identity of a cluster, the one first seen (unknown last, ties by record):
    # duplicates found on integer codes of the columns, rows taken once (sorting and
    # de-duplicating the frame of strings itself took 20 s at a million customers)
    never = np.iinfo(np.int64).max
    seen = rows["first_seen"].fillna(never).to_numpy(dtype=np.int64)
    first_seen_order = np.argsort(seen, kind="stable")
    codes = pd.DataFrame(
        {c: pd.factorize(rows[c], use_na_sentinel=True)[0] for c in ["cluster", *_SPLINK_COLUMNS]}
    )
    first = first_seen_order[~codes.iloc[first_seen_order].duplicated().to_numpy()]
    return rows.iloc[np.sort(first)].reset_index(drop=True)


def name_frequencies(rows: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Rows per given name and per family name (`splink_rows`' named rows): the term
    frequencies of the whole-name rule, kept with the model (an incremental run weighs names as
    the full resolution that trained the model did)."""
    return {
        column: {str(k): int(v) for k, v in rows[column].value_counts().items()}
        for column in _NAME_LEVELS
    }


def with_name_frequencies(
    model: dict | None, rows: pd.DataFrame, config: ProbabilisticConfig
) -> dict | None:
    """A trained model with the name frequencies of `rows` (all of Splink's named rows), when
    the whole-name rule is on: without them a model scores as before the rule."""
    if model is None or config.name_only_min_posterior_bits is None:
        return model
    return {**model, NAME_FREQUENCIES: name_frequencies(rows)}


_SPELLED_LOCAL_PART = re.compile(r"[a-z]+(?:[._-][a-z]+)?")


def spelled_name(
    address: str, given: frozenset[str], family: frozenset[str]
) -> tuple[str, str] | None:
    """The one (given, family) name an address's local part is, in either order, with at most
    one separator (`jacqueline_beltran@`, `evanszachary@`); None when it is something else
    (`jkelly@`, `thebeltrans@`, `john.smith67@`) or could be two names."""
    local = address.partition("@")[0]
    if not _SPELLED_LOCAL_PART.fullmatch(local):
        return None
    letters = re.sub(r"[^a-z]", "", local)
    names = {
        (a, b)
        for k in range(2, len(letters) - 1)
        for a, b in ((letters[:k], letters[k:]), (letters[k:], letters[:k]))
        if a in given and b in family
    }
    return names.pop() if len(names) == 1 else None


def with_spelled_names(
    rows: pd.DataFrame,
    prepared: pd.DataFrame,
    clusters: np.ndarray,
    shared_values: frozenset[str],
    model: dict | None,
) -> pd.DataFrame:
    """`rows` (`splink_rows`) and a row per nameless record whose own address spells a whole
    name the model's data knows (each name on two rows or more), with that name; the column
    `spelled` tells them apart. Own address: no named record uses it, nor is it a shared value.
    Such rows merge only through the whole-name rule (`NAME_ONLY_MIN_POSTERIOR_BITS`)."""
    rows = rows.assign(spelled=False)
    frequencies = (model or {}).get(NAME_FREQUENCIES)
    if not frequencies:
        return rows
    given, family = (
        frozenset(n for n, c in frequencies[column].items() if c >= 2 and len(n) >= 2)
        for column in _NAME_LEVELS
    )
    named = (prepared["first_name_norm"].notna() | prepared["last_name_norm"].notna()).to_numpy()
    email = prepared["email_key"]
    own = (~named) & email.notna().to_numpy()
    own &= ~email.isin(shared_values | frozenset(email[named].dropna())).to_numpy()
    at = np.flatnonzero(own)
    if not len(at):
        return rows
    names = map_unique(email.iloc[at], lambda a: " ".join(spelled_name(a, given, family) or ()))
    found = np.array([bool(n) for n in names], dtype=bool)
    at, names = at[found], [n.split(" ") for n in names[found]]
    if not len(at):
        return rows
    nameless = prepared.iloc[at].assign(
        first_name_norm=[n[0] for n in names],
        first_name_class=[n[0] for n in names],
        last_name_norm=[n[1] for n in names],
    )
    # (their `email_uses` count these records only: only the other rules read it)
    spelled = splink_rows(nameless.reset_index(drop=True), clusters[at], shared_values)
    spelled["unique_id"] = at[spelled["unique_id"].to_numpy()]
    return pd.concat([rows, spelled.assign(spelled=True)], ignore_index=True).sort_values(
        "unique_id", ignore_index=True
    )


@dataclass(frozen=True)
class RowCounts:
    """What the minimum size and the prior need of all of Splink's rows: three counts, which
    another engine computes with a group-by instead of collecting the rows."""

    rows: int
    clusters: int
    pairs_within_clusters: int

    @classmethod
    def of(cls, rows: pd.DataFrame) -> RowCounts:
        sizes = rows.groupby("cluster").size().to_numpy(dtype=np.int64)
        return cls(len(rows), len(sizes), int((sizes * (sizes - 1) // 2).sum()))

    def trainable(self, config: ProbabilisticConfig) -> bool:
        return self.rows >= config.min_rows and self.clusters >= 2

    def lambda_prior(self) -> float:
        """P(two random rows match), estimated as the share of row pairs inside one cluster."""
        n = float(self.rows)
        total = n * (n - 1) / 2
        return min(max(self.pairs_within_clusters / total, 1e-9), 0.5) if total else 1e-6


def training_keys(rows: pd.DataFrame, seed: int) -> np.ndarray:
    """Each row's rank key for the training sample (`training_sample`): a seeded hash of the
    smallest unique id of its deterministic cluster, as int64.

    A cluster is in or out whole (the pairs EM learns m from are mostly a cluster's identities),
    its members are a random draw of the people (random pairs of them give u as all rows do; a
    key made of a family name would not: a sample of the names makes namesakes more common), and
    the key depends on the grouping only, not on how an engine numbers the clusters.
    """
    first_ids = rows.groupby("cluster")["unique_id"].transform("min").to_numpy(dtype=np.int64)
    return pd.util.hash_array(first_ids + np.int64(seed)).view(np.int64)


def training_sample(rows: pd.DataFrame, config: ProbabilisticConfig) -> pd.DataFrame:
    """The rows u and m are trained on, in unique-id order: all of them up to
    `config.max_training_rows`, else that many, the smallest (training key, unique id): whole
    clusters but the last. The same rows whatever order `rows` come in."""
    if len(rows) > config.max_training_rows:
        keys = training_keys(rows, config.seed)
        rank = np.lexsort((rows["unique_id"].to_numpy(dtype=np.int64), keys))
        rows = rows.iloc[rank[: config.max_training_rows]]
    return rows.sort_values("unique_id", ignore_index=True)


def _exact_or_one_typo(
    column: str, fixed_m: tuple[float, float, float] | None = None
) -> cl.CustomComparison:
    """Null, equal, one edit apart (a typo), or different: for identifiers typed by hand.

    `fixed_m`: m probabilities (equal, one typo, different) that EM leaves alone, for a field
    whose disagreement among true matches a data set may not show at all (EM then drives that
    level's m to zero, which Splink rejects and which would make one disagreement a veto).
    """
    levels = [
        cll.ExactMatchLevel(column),
        cll.CustomLevel(one_typo(f"{column}_l", f"{column}_r"), "one typo"),
        cll.ElseLevel(),
    ]
    if fixed_m is not None:
        levels = [
            level.configure(m_probability=m, fix_m_probability=True)
            for level, m in zip(levels, fixed_m, strict=True)
        ]
    return cl.CustomComparison(
        output_column_name=column, comparison_levels=[cll.NullLevel(column), *levels]
    )


#: A person's street address and city as two records hold them: mostly the same, sometimes
#: mistyped, sometimes another (a move, a work address). EM on the simulated companies sees no
#: true match with two different addresses at 100,000 customers and sets that level's m to 0.
STREET_M = (0.88, 0.04, 0.08)
CITY_M = (0.9, 0.02, 0.08)


def _settings(lambda_prior: float) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=lambda_prior,
        comparisons=[
            cl.CustomComparison(
                output_column_name="first_name",
                comparison_levels=[
                    cll.NullLevel("first_name"),
                    cll.ExactMatchLevel("first_name"),
                    cll.CustomLevel("list_has_any(first_keys_l, first_keys_r)", "nickname"),
                    # a short form the nickname list lacks (`kath` / `katherine`) or an initial
                    cll.CustomLevel(
                        "(starts_with(first_name_l, first_name_r) or starts_with(first_name_r, "
                        "first_name_l)) and (least(length(first_name_l), length(first_name_r)) "
                        "in (1) or least(length(first_name_l), length(first_name_r)) >= 3)",
                        "short form",
                    ),
                    cll.JaroWinklerLevel("first_name", 0.9),
                    cll.CustomLevel(_NAMES_SWAPPED, "given and family name swapped"),
                    cll.JaroWinklerLevel("first_name", 0.7),
                    cll.ElseLevel(),
                ],
            ),
            cl.CustomComparison(
                output_column_name="last_name",
                comparison_levels=[
                    cll.NullLevel("last_name"),
                    cll.ExactMatchLevel("last_name"),
                    cll.JaroWinklerLevel("last_name", 0.92),
                    cll.CustomLevel(_NAMES_SWAPPED, "given and family name swapped"),
                    cll.CustomLevel(_FAMILY_INITIAL, "family initial"),
                    cll.ElseLevel(),
                ],
            ),
            _exact_or_one_typo("email"),
            cl.CustomComparison(
                output_column_name="phone",
                comparison_levels=[
                    # `phone` is null only when the row has no phone at all (phone2 is then null)
                    cll.CustomLevel("phone_l is null or phone_r is null", "null").configure(
                        is_null_level=True
                    ),
                    cll.CustomLevel(
                        "phone_l = phone_r or phone_l = phone2_r or phone2_l = phone_r "
                        "or phone2_l = phone2_r",
                        "a phone in common",
                    ),
                    cll.ElseLevel(),
                ],
            ),
            _exact_or_one_typo("postal_code"),
            _exact_or_one_typo("street", STREET_M),
            _exact_or_one_typo("city", CITY_M),
            _exact_or_one_typo("birth_date"),
            cl.CustomComparison(
                output_column_name="first_seen",
                comparison_levels=[
                    cll.NullLevel("first_seen"),
                    cll.CustomLevel(_SAME_HOUR, "within the hour"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[
            *(
                " and ".join([*(f"l.{c} = r.{c}" for c in cols), "l.cluster <> r.cluster"])
                for cols in PREDICTION_BLOCKS
            ),
            # given and family name swapped: no equal column to block on
            "l.first_name = r.last_name and l.last_name = r.first_name and l.cluster <> r.cluster",
        ],
        additional_columns_to_retain=["cluster", "email_uses"],
        retain_matching_columns=True,
    )


def first_keys(first_names: pd.Series) -> list[list[str]]:
    """The `first_keys` column the model's nickname level compares: each row's name keys."""
    return [sorted(first_name_keys(f)) for f in first_names]


def _first_keys_column(first_names: pd.Series) -> pa.Array:
    """`first_keys` as an Arrow column, computed once per distinct name (millions of rows,
    thousands of names; a list per row took 4 s at a million customers)."""
    codes, names = pd.factorize(first_names, use_na_sentinel=True)
    # a missing name (code -1) has no keys: the empty list after the names'
    keys = pa.array([*first_keys(pd.Series(names, dtype=object)), []], pa.list_(pa.string()))
    return keys.take(pa.array(np.where(codes < 0, len(names), codes)))


def _splink_connection(config: ProbabilisticConfig) -> duckdb.DuckDBPyConnection:
    con = connect_scratch()  # the run's memory_limit
    if config.threads:
        con.execute(f"SET threads = {int(config.threads)}")
    return con


def _linker(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    settings: SettingsCreator | dict,
    table_name: str = "identity_rows",
) -> Linker:
    """Splink's Linker on `rows` (`splink_rows`) with a model's settings."""
    table = pa.Table.from_pandas(rows, preserve_index=False).append_column(
        "first_keys", _first_keys_column(rows["first_name"])
    )
    return Linker(
        DuckDBAPI(con).register(table, dataset_display_name=table_name),
        settings,
        log_level=logging.ERROR,  # levels the data never shows are expected (no name typos)
    )


def _trained_linker(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    lambda_prior: float,
    config: ProbabilisticConfig,
) -> Linker:
    """Splink's Linker on `rows`, its u and m trained on them."""
    linker = _linker(con, rows, _settings(lambda_prior))
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    for rule in EM_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), max_pairs=config.em_max_pairs
        )
    return linker


def trained_model(
    sample: pd.DataFrame, counts: RowCounts, config: ProbabilisticConfig
) -> dict | None:
    """The model `score_pairs` scores with (Splink's `save_model_to_json()`): u and m trained on
    `sample` (`training_sample` of the rows `counts` counts), the prior of all rows; None when
    the rows are too few to train on. A caller that predicts elsewhere
    (scale_out/resolve_on_spark.py, Splink's Spark backend) passes the same sample and counts."""
    if not counts.trainable(config):
        return None
    con = _splink_connection(config)
    try:
        linker = _trained_linker(con, sample, counts.lambda_prior(), config)
        return linker.misc.save_model_to_json()
    finally:
        con.close()


def score_pairs(
    prepared: pd.DataFrame,
    clusters: np.ndarray,
    config: ProbabilisticConfig,
    shared_values: frozenset[str] = frozenset(),
) -> ScoredPairs:
    """Train the model on this data and score cross-cluster pairs above the threshold."""
    rows = splink_rows(prepared, clusters, shared_values)
    counts = RowCounts.of(rows)
    model = with_name_frequencies(
        trained_model(training_sample(rows, config), counts, config), rows, config
    )
    rows = with_spelled_names(rows, prepared, clusters, shared_values, model)
    return predicted_pairs(rows, model, counts.lambda_prior(), config)


def predicted_pairs(
    rows: pd.DataFrame, model: dict | None, lambda_prior: float, config: ProbabilisticConfig
) -> ScoredPairs:
    """Cross-cluster pairs of `rows` (`splink_rows`) that a trained `model` accepts, the
    threshold set by `lambda_prior`; none without a model. A caller that stored a model
    (identity.incremental) scores new rows with it."""
    if model is None:
        empty = np.zeros(0, dtype=np.int64)
        return ScoredPairs(empty, empty, np.zeros(0), np.zeros(0), len(rows), 0.0)
    frequencies = model.get(NAME_FREQUENCIES)
    model = {k: v for k, v in model.items() if k != NAME_FREQUENCIES}
    spelled = rows["spelled"].to_numpy(dtype=bool) if "spelled" in rows else None
    rows = rows.drop(columns="spelled", errors="ignore")
    con = _splink_connection(config)
    try:
        linker = _linker(con, rows, model)
        prior_bits = float(np.log2(lambda_prior / (1 - lambda_prior)))
        predictions = linker.inference.predict(
            threshold_match_weight=config.min_evidence_bits + prior_bits, warning_mode="never"
        )
        query = (
            "select unique_id_l, unique_id_r, match_probability, match_weight - ? as evidence "
            f"from {predictions.physical_name} where {ACCEPTANCE}"
        )
        if spelled is not None and spelled.any():
            # a spelled name is no name the record gave: only the whole-name rule weighs it
            con.register("spelled_rows", pa.table({"unique_id": rows["unique_id"][spelled]}))
            query += (
                " and unique_id_l not in (select unique_id from spelled_rows)"
                " and unique_id_r not in (select unique_id from spelled_rows)"
            )
        scored = con.execute(query, [prior_bits]).df()
        min_bits = config.name_only_min_posterior_bits
        if frequencies and min_bits is not None:
            name_only = _name_only_pairs(
                con, rows, spelled, (model, frequencies), prior_bits, min_bits
            )
            scored = pd.concat([scored, name_only], ignore_index=True).drop_duplicates(
                ["unique_id_l", "unique_id_r"]
            )
        scored = scored.sort_values(["unique_id_l", "unique_id_r"], ignore_index=True)
    finally:
        con.close()
    return ScoredPairs(
        scored["unique_id_l"].to_numpy(np.int64),
        scored["unique_id_r"].to_numpy(np.int64),
        scored["match_probability"].to_numpy(np.float64),
        scored["evidence"].to_numpy(np.float64),
        len(rows),
        lambda_prior,
    )


def with_first_prefix(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with `first_prefix`, the first letters of the given name that one of the
    whole-name rule's blocking rules joins on (`NAME_ONLY_BLOCKS`)."""
    return rows.assign(first_prefix=rows["first_name"].str.slice(0, FIRST_PREFIX_LETTERS))


def _exact_m(model: dict, column: str) -> float:
    """m of the exact level of a name comparison in a trained model."""
    m = _level_m(model, column, "exact")
    if m is None:
        raise ValueError(f"the model has no m for an exact {column}")
    return m


def _starts_one_name(first_names: pd.Series, given_counts: dict[str, int]) -> np.ndarray:
    """Per row: is its given name the start of exactly one longer given name of the data (the
    one full form a short form can stand for)?"""
    known = np.array(sorted(given_counts), dtype=object)

    def starts_one(name: str) -> bool:
        first = int(np.searchsorted(known, name, side="right"))
        last = int(np.searchsorted(known, name + "\uffff", side="left"))
        return last - first == 1  # the names after `name` that start with it

    return np.array([starts_one(n) for n in first_names.tolist()], dtype=bool)


def _level_m(model: dict, column: str, label: str) -> float | None:
    """m of a level of a name comparison in a trained model: `exact`, or a level's label; None
    where training left the level without one (a level the data never showed among matches)."""
    (comparison,) = (c for c in model["comparisons"] if c["output_column_name"] == column)
    (level,) = (
        lvl
        for lvl in comparison["comparison_levels"]
        if (
            lvl["sql_condition"] == f'"{column}_l" = "{column}_r"'
            if label == "exact"
            else lvl.get("label_for_charts") == label
        )
    )
    m = level.get("m_probability")
    return float(m) if m is not None else None


def name_bits(
    names: pd.DataFrame, model: dict, frequencies: dict[str, dict[str, int]]
) -> np.ndarray:
    """The evidence of two rows agreeing on `names`' whole name (given and family name, per
    row), weighed by its frequency: log2(m / share of the named rows holding it) per name,
    Splink's term-frequency adjustment of the exact level. A name the model's data never held
    counts as held once."""
    bits = np.zeros(len(names))
    for column in _NAME_LEVELS:
        counts = frequencies[column]
        total = sum(counts.values())
        held = names[column].map(counts).fillna(1).to_numpy(dtype=np.float64)
        bits += np.log2(_exact_m(model, column) * total / held)
    return bits


def _name_only_pairs(
    con: duckdb.DuckDBPyConnection,
    rows: pd.DataFrame,
    spelled: np.ndarray | None,
    scorer: tuple[dict, dict[str, dict[str, int]]],
    prior_bits: float,
    min_posterior_bits: float,
) -> pd.DataFrame:
    """Pairs of rows with the same whole name that the whole-name rule accepts
    (`NAME_ONLY_MIN_POSTERIOR_BITS`): the prior, the name's evidence weighed by its frequency
    (`name_bits`) and whatever the model's other comparisons hold against the pair (their
    negative weights: another city, an hour apart; what they hold for it is the other rules'
    to weigh). Only rows whose name alone could reach the threshold are compared, on the
    whole-name block: common names never are (a million customers hold millions of them).
    Evidence and probability are this rule's."""
    model, frequencies = scorer
    spelled = np.zeros(len(rows), dtype=bool) if spelled is None else spelled
    bits = name_bits(rows, model, frequencies)
    rare = rows["first_name"].notna().to_numpy() & rows["last_name"].notna().to_numpy()
    rare &= prior_bits + bits >= min_posterior_bits
    if rare.sum() < 2:
        return pd.DataFrame(columns=["unique_id_l", "unique_id_r", "match_probability", "evidence"])
    candidates = with_first_prefix(rows.loc[rare])
    whole_name = {
        **model,
        "blocking_rules_to_generate_predictions": [
            {
                "blocking_rule": " and ".join(
                    [*(f"l.{c} = r.{c}" for c in block), "l.cluster <> r.cluster"]
                ),
                "sql_dialect": "duckdb",
            }
            for block in NAME_ONLY_BLOCKS
        ],
        "retain_intermediate_calculation_columns": True,
    }
    predictions = _linker(con, candidates, whole_name, "identity_rows_by_name").inference.predict(
        warning_mode="never"
    )
    # the given name weighed by the share of rows holding it, the family name's bits apart: a
    # pair of two forms is weighed by the more frequent one's share (as Splink's term-frequency
    # adjustment does on a fuzzy level) and by the m of the level the two forms agree at
    given_counts = frequencies["first_name"]
    given_total = sum(given_counts.values())
    given_share = (
        candidates["first_name"].map(given_counts).fillna(1).to_numpy(dtype=np.float64)
        / given_total
    )
    family_bits = bits[rare] - np.log2(_exact_m(model, "first_name") / given_share)
    con.register(
        "name_evidence",
        pa.table(
            {
                "unique_id": candidates["unique_id"].to_numpy(np.int64),
                "given_share": given_share,
                "family_bits": family_bits,
                "first_class": candidates["first_class"].to_numpy(dtype=object),
                "starts_one_name": _starts_one_name(candidates["first_name"], given_counts),
                "spelled": spelled[rare],
            }
        ),
    )
    # a level without an m (none of the data's matches showed it) takes no pair: `case` is null
    level_m = " ".join(
        f"when {gamma} then {m!r}"
        for gamma, label in _GIVEN_NAME_FORM_LEVELS.items()
        if (m := _level_m(model, "first_name", label)) is not None
    )
    others = [
        c["output_column_name"]
        for c in model["comparisons"]
        if c["output_column_name"] not in _NAME_LEVELS
    ]
    against = " + ".join(_against(c) for c in others)
    # rounded: the weights move in their last bits from one run to the next (found by the demo's
    # reproducibility test), and a customer's match_probability must not
    pairs = con.execute(
        f"""
        with p as (
            select p.*, n.spelled as spelled_l, o.spelled as spelled_r,
                log2((case p.gamma_first_name {level_m} end)
                    / greatest(n.given_share, o.given_share)) + n.family_bits as name_bits
            from {predictions.physical_name} as p
            join name_evidence as n on n.unique_id = p.unique_id_l
            join name_evidence as o on o.unique_id = p.unique_id_r
            where {_GIVEN_NAME_FORMS}
        ), weighed as (select *, name_bits + {against} as evidence from p)
        select unique_id_l, unique_id_r, cluster_l, cluster_r,
            round(1 / (1 + pow(2, -(evidence + ?))), 12) as match_probability,
            round(evidence, 9) as evidence
        from weighed where {_NAME_ONLY} and evidence + ? >= ?
        """,
        [prior_bits, prior_bits, min_posterior_bits],
    ).df()
    keep = _clusters_without_contradiction(rows, pairs)
    return pairs.loc[keep, ["unique_id_l", "unique_id_r", "match_probability", "evidence"]]


def _clusters_without_contradiction(rows: pd.DataFrame, pairs: pd.DataFrame) -> np.ndarray:
    """Per pair of `pairs` (`cluster_l`, `cluster_r`): do the two deterministic clusters hold
    nothing against each other: no two postal codes, phones or birth dates of which none agree
    (postal codes and birth dates up to a typo)? The whole-name rule asks this of the two rows
    it compares, but it merges their clusters: a help-desk `Tiffy Chase` with no postal code of
    her own is the Stripe customer's `Tiffany Chase` of another town, not the CRM's (issue 12,
    D079). Asked of the clusters' rows in `rows`: an incremental run that passes fewer of a
    cluster's rows finds fewer contradictions, so it never refuses what the full run takes."""
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    involved = pd.unique(pd.concat([pairs["cluster_l"], pairs["cluster_r"]]))
    held = rows.loc[rows["cluster"].isin(involved)]
    values: dict[str, dict[int, frozenset[str]]] = {}
    for field, columns in {
        "postal_code": ["postal_code"],
        "phone": ["phone", "phone2"],
        "birth_date": ["birth_date"],
    }.items():
        long = pd.concat(
            [held.loc[:, ["cluster", c]].set_axis(["cluster", "value"], axis=1) for c in columns]
        ).dropna()
        values[field] = {
            int(c): frozenset(v) for c, v in long.groupby("cluster")["value"].agg(set).items()
        }

    def agree(field: str, a: frozenset[str], b: frozenset[str]) -> bool:
        if not a or not b or a & b:
            return True
        return field != "phone" and any(one_edit(x, y) for x in a for y in b)

    return np.array(
        [
            all(
                agree(
                    field, held_by.get(int(left), frozenset()), held_by.get(int(right), frozenset())
                )
                for field, held_by in values.items()
            )
            for left, right in zip(pairs["cluster_l"], pairs["cluster_r"], strict=True)
        ],
        dtype=bool,
    )


def _address_names_holder(side: str) -> str:
    """SQL: the side's e-mail spells its holder's name: the given name (three letters or more),
    or the initial next to the family name (`tammybowman@`, `eric_quinn@`, `jdoe@`)."""
    letters = f"regexp_replace(split_part(email_{side}, '@', 1), '[^a-z]', '', 'g')"
    initial = f"left(first_name_{side}, 1)"
    return (
        f"((length(first_name_{side}) >= 3 and strpos({letters}, first_name_{side}) > 0) "
        f"or strpos({letters}, {initial} || last_name_{side}) > 0 "
        f"or strpos({letters}, last_name_{side} || {initial}) > 0)"
    )


def _against(comparison: str) -> str:
    """What a comparison of the model holds against a whole-name pair: its weight when negative.
    Two different e-mails are no evidence against the pair when one is that side's family
    address and the other spells its holder's name (`thebowmans@` on the CRM contact staff
    typed, `tammybowman@` on her help-desk account): a person holds the household's address
    beside their own, so the difference is what one person's records look like, and the rule
    already lets such a pair through (`_NAME_ONLY`). Counted against, it took 4 bits off every
    such pair (issue 12, D079). An own address that names someone else (`lauren_hicks@` beside
    the Myers' family address) still counts against: that is a namesake's."""
    weight = f"least(coalesce(mw_{comparison}, 0), 0)"
    if comparison != "email":
        return weight
    household_and_own = " or ".join(
        f"({_family_address(a)} and {_address_names_holder(b)})"
        for a, b in (("l", "r"), ("r", "l"))
    )
    return f"(case when {household_and_own} then 0 else {weight} end)"


def merge_scored_pairs(
    prepared: pd.DataFrame, clusters: np.ndarray, pairs: ScoredPairs
) -> tuple[np.ndarray, dict[int, float], np.ndarray]:
    """Merge deterministic clusters along accepted pairs, most probable first, through the guards.

    Returns the new label per record, per absorbed deterministic cluster the probability of
    the strongest accepted pair that touches it, and the indices of the pairs that merged two
    clusters (the probabilistic edges).
    """
    if len(pairs.probability) == 0:
        return clusters, {}, np.zeros(0, dtype=np.int64)
    cl_l, cl_r = clusters[pairs.record_l], clusters[pairs.record_r]
    involved = np.unique(np.concatenate([cl_l, cl_r]))
    local = {int(c): i for i, c in enumerate(involved)}
    member = np.isin(clusters, involved)
    local_labels = np.searchsorted(involved, clusters[member])
    profiles = profiles_by_label(prepared.loc[member].reset_index(drop=True), local_labels)
    # the match's evidence stands in for the contact points a short form otherwise needs
    # and its name comparisons stand in for exact names: a typo does not contradict
    uf = GuardedUnionFind(
        [profiles[i] for i in range(len(involved))], contacts_for_short_forms=0, typo_tolerant=True
    )

    one_off = _OneOffGivenName(prepared, clusters, local)

    order = np.lexsort((pairs.record_r, pairs.record_l, -pairs.evidence_bits)).tolist()
    best: dict[int, float] = {}
    joined = []
    # first every merge the guards allow; then, on the clusters that leaves, the pairs whose
    # evidence outweighs a given name that occurs once on a one-person identifier (the one-off
    # record joining the other side); then what the guards allow among the merged clusters
    for outweighed in (False, True, False):
        for i in order:
            a, b = local[int(cl_l[i])], local[int(cl_r[i])]
            if uf.find(a) == uf.find(b):
                continue
            if outweighed:
                stray = one_off.stray(uf, int(pairs.record_l[i]), int(pairs.record_r[i]))
                if stray is None:
                    continue
                if stray == int(pairs.record_l[i]):
                    a, b = b, a  # the kept side first: its names speak for the cluster
            if uf.union(a, b, given_name_outweighed=outweighed):
                joined.append(i)
                p = float(pairs.probability[i])
                for c in (int(cl_l[i]), int(cl_r[i])):
                    best[c] = max(best.get(c, 0.0), p)
    roots = uf.labels()
    merged = clusters.copy()
    merged[member] = involved[roots[local_labels]]
    return merged, best, np.array(joined, dtype=np.int64)


class _OneOffGivenName:
    """When the evidence of an accepted pair outweighs a given-name disagreement.

    A household shares an e-mail, a family name, a street and a postal code: what Splink
    weighs as strong evidence is exactly what two members have in common, so a given name that
    is no form of the other's refuses the merge (`guards.merge_profiles`). Except where the
    e-mail is demonstrably one person's (per-identifier cardinality), so the other given name
    can only be a mistake (a field typed into the wrong box, a name replaced):

    - both records carry the same e-mail, and every other record holding it is already in the
      other record's cluster (no third holder: not a household line);
    - one side is a single record (the other given name occurs once on the identifier) and
      brings no contact point of its own: all its e-mails and phones are the other side's;
    - the family names agree (up to a typo);
    - the address names nobody: not a family address (`thehoods@`, `hoodfamily@`), nor one
      that spells a given name of either side (`mary.leach@` beside a `Hobkin Leach` is Mary's
      address used by a relative).

    The pair has passed the evidence threshold and the acceptance rule (a personal identifier
    and no contradiction) before this is asked.
    """

    def __init__(self, prepared: pd.DataFrame, clusters: np.ndarray, local: dict[int, int]) -> None:
        self.email = prepared["email_key"].to_numpy(dtype=object)
        self.first = prepared["first_name_norm"].to_numpy(dtype=object)
        self.last = prepared["last_name_norm"].to_numpy(dtype=object)
        self.clusters = clusters
        self.local = local
        self.records_in_cluster = np.bincount(clusters)
        self._holders: tuple[pd.Index, np.ndarray, np.ndarray] | None = None

    def holders(self, email: str) -> np.ndarray:
        """Deterministic clusters holding an e-mail (built on first use: the case is rare), one
        per record that holds it. Records sorted by e-mail code, not a dict of groups: a Python
        object per e-mail took 14 s at a million customers."""
        if self._holders is None:
            codes, emails = pd.factorize(self.email, use_na_sentinel=True)
            by_email = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[by_email], np.arange(len(emails) + 1))
            self._holders = (pd.Index(emails), self.clusters[by_email], starts)
        emails, clusters, starts = self._holders
        code = emails.get_indexer([email])[0]
        if code < 0:
            return np.zeros(0, dtype=np.int64)
        return clusters[starts[code] : starts[code + 1]]

    def stray(self, uf: GuardedUnionFind, record_l: int, record_r: int) -> int | None:
        """The record of the pair whose given name the evidence outweighs, if any."""
        email = self.email[record_l]
        if not isinstance(email, str) or email != self.email[record_r]:
            return None
        for stray, kept in ((record_l, record_r), (record_r, record_l)):
            if self._stray(uf, stray, kept, email):
                return stray
        return None

    def _stray(self, uf: GuardedUnionFind, stray: int, kept: int, email: str) -> bool:
        stray_node, kept_node = (
            self.local[int(self.clusters[stray])],
            self.local[int(self.clusters[kept])],
        )
        stray_root, kept_root = uf.find(stray_node), uf.find(kept_node)
        if uf.size[stray_root] != 1 or self.records_in_cluster[self.clusters[stray]] != 1:
            return False
        stray_profile, kept_profile = uf.profile[stray_root], uf.profile[kept_root]
        if not stray_profile.contacts <= kept_profile.contacts:
            return False
        if not (
            stray_profile.last_names
            and kept_profile.last_names
            and last_names_overlap(stray_profile.last_names, kept_profile.last_names, True)
        ):
            return False
        for cluster in self.holders(email).tolist():
            node = self.local.get(int(cluster))
            if cluster != self.clusters[stray] and (node is None or uf.find(node) != kept_root):
                return False  # a third holder: a household's line
        names = [
            (first, last)
            for profile in (stray_profile, kept_profile)
            for first in profile.first_names
            for last in profile.last_names
        ]
        return not any(
            address_has_family_name(email, last) or address_names(email, first, last)
            for first, last in names
        )
