"""Deterministic linking: explicit ids unconditionally, then shared e-mails/phones through guards.

1. Records sharing a value in an id namespace (`schema.ID_RULES`) form *strong* components.
2. Shared contact points (normalised e-mail, E.164 phone) join strong components:

   - A *named* component (one with a first name) joins a value through `guards.merge_profiles`:
     a household's shared value links each member's records only to records whose names agree.
     Values are claimed in order: uses in systems where people give their own details
     (`schema.OWNERSHIP_SYSTEMS`) before staff-typed CRM and billing details, then oldest first.
     The first claimant that used the value for themselves *owns* it. A value the guards kept
     from linking two named clusters is *shared* (a household's): it is returned so that the
     probabilistic step does not take it for evidence.
   - A *nameless* component (a Klaviyo profile, a call, a survey with nothing but an address)
     carries no name to check. It joins a value's owner; failing an owner, the named holder
     first seen in the same session (within the hour: the newsletter sign-up at the checkout
     that created the CRM contact), else the holder whose first name the address spells
     (`jane.doe@` names Jane, `thedoes@` nobody), else its only named holder, else (an e-mail)
     the holder who used it first when that was before the nameless record (who registered an
     address owns it); else it stays with the value's other nameless records only. A family address a
     nameless record used before any named holder (another member may have registered it)
     therefore links it to nobody.
3. `link_session_typos`: a nameless cluster whose e-mail is one typo away from that of a named
   record first seen in the same session joins it.
4. `link_session_sign_ups`: a nameless cluster whose own e-mail spells the whole name of the one
   named person first seen in the same session joins that person (`julie_butler@` signing up
   for the newsletter twenty minutes after staff opened Julie Butler's CRM contact with the
   family address).

Components where none of this can refuse a link skip the sequential pass of step 2: for them
the guarded result equals the plain connected component (`_needs_guarded_pass`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from identity import processes
from identity.components import (
    GuardedUnionFind,
    components,
    dense_labels,
    shared_key_components,
)
from identity.guards import EMPTY, profiles_by_label, suspect_components
from identity.normalise import address_names, first_name_keys
from identity.schema import CONTACT_POINTS, ID_RULES, OWNERSHIP_SYSTEMS
from warehouse.connections import connect_scratch

KeySpace = list[np.ndarray]


def one_typo(a: str, b: str) -> str:
    """SQL: are strings a and b one Damerau-Levenshtein edit apart? DuckDB's implementation is
    slow, so it only runs where the cheap necessary conditions hold."""
    return (
        f"case when abs(length({a}) - length({b})) <= 1 "
        f"and jaro_winkler_similarity({a}, {b}) >= 0.8 "
        f"then damerau_levenshtein({a}, {b}) <= 1 else false end"
    )


def one_deletion_variants(relation: str, columns: str, longest: int | None = None) -> str:
    """SQL: the symmetric-deletion index of the e-mails of `relation` (column `email`): per row
    (its `columns`, which include `email`) the e-mail itself and each one-character deletion
    but of the '@', as `variant`. Two e-mails one edit apart share a variant, so a join on it
    finds them without comparing distant ones. `longest`: deletions only within the first
    `longest` characters (None: anywhere)."""
    end = "length(email)" if longest is None else f"least(length(email), {longest})"
    return f"""
        select {columns}, email as variant from {relation}
        union all
        select {columns}, email[:i - 1] || email[i + 1:] as variant
        from (select {columns}, unnest(range(1, {end} + 1)) as i from {relation})
        where email[i] <> '@'"""


def not_a_substitution(a: str, b: str) -> str:
    """SQL: for strings one edit apart, is the edit a dropped, doubled or swapped letter rather
    than one letter replaced by another (how namesakes' addresses differ: `jmason@`/`cmason@`)?"""
    return f"case when length({a}) = length({b}) then hamming({a}, {b}) <> 1 else true end"


def a_typo_of_the_same_mailbox(a: str, b: str) -> str:
    """SQL: for e-mails one edit apart, is the edit inside the local part and on a letter or
    digit? A domain one edit from another after normalisation (`normalise.email_key` corrects
    the large providers' typos) is another provider: the same handle there is someone else's.
    A separator dropped or added (`john_garza@` / `johngarza@` / `john.garza@`) is how
    namesakes' addresses at one provider differ, not a typo; a doubled one (`joel__robbins@`)
    is a typo."""

    def single_separators(x: str) -> str:
        return f"regexp_replace(regexp_replace(regexp_replace({x}, '_+', '_', 'g'), '[.]+', '.', 'g'), '-+', '-', 'g')"

    return (
        f"split_part({a}, '@', 2) = split_part({b}, '@', 2) "
        f"and (regexp_replace({a}, '[^a-z0-9@]', '', 'g') "
        f"<> regexp_replace({b}, '[^a-z0-9@]', '', 'g') "
        f"or {single_separators(a)} = {single_separators(b)})"
    )


#: A nameless record created this close to a named record carrying the same value (a newsletter
#: sign-up during the store visit that created the CRM contact, at a guest checkout) belongs to
#: that record's person even when nobody used the value for themselves.
SESSION_SECONDS = 3600
SAME_SESSION = np.timedelta64(SESSION_SECONDS, "s")


def key_space(prepared: pd.DataFrame, columns: Sequence[str]) -> KeySpace:
    """Integer codes per column (-1 = null); equal values share a code across the columns."""
    n = len(prepared)
    stacked = pd.concat([prepared[c] for c in columns], ignore_index=True)
    codes, _ = pd.factorize(stacked, use_na_sentinel=True)
    return [codes[i * n : (i + 1) * n].astype(np.int64) for i in range(len(columns))]


def id_key_spaces(prepared: pd.DataFrame) -> list[KeySpace]:
    namespaces = dict.fromkeys(r.namespace for r in ID_RULES)
    return [
        key_space(prepared, [r.column for r in ID_RULES if r.namespace == ns]) for ns in namespaces
    ]


def contact_point_key_spaces(prepared: pd.DataFrame) -> list[KeySpace]:
    return [key_space(prepared, columns) for columns in CONTACT_POINTS.values()]


def strong_components(prepared: pd.DataFrame) -> np.ndarray:
    """Component label per record, linked by explicit ids only."""
    return shared_key_components(len(prepared), id_key_spaces(prepared))


def contact_point_edges(
    prepared: pd.DataFrame, strong: np.ndarray, rank: np.ndarray
) -> pd.DataFrame:
    """One row per (record, contact value): strong component, value node, record age, whether
    the record's system establishes ownership, and whether its strong component has a name.

    Value nodes are numbered from 0, one space after the other (e-mails, then phones).
    """
    named_component = (
        pd.Series(prepared["first_name_norm"].notna().to_numpy()).groupby(strong).any()
    )
    owning = prepared["source_system"].isin(OWNERSHIP_SYSTEMS).to_numpy()
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    parts, offset = [], 0
    for columns, space in zip(
        CONTACT_POINTS.values(), contact_point_key_spaces(prepared), strict=True
    ):
        width = 0
        for column, codes in zip(columns, space, strict=True):
            has = np.flatnonzero(codes >= 0)
            parts.append(
                pd.DataFrame(
                    {
                        "record": has,
                        "value": prepared[column].to_numpy(dtype=object)[has],
                        "strong": strong[has],
                        "node": codes[has] + offset,
                        "rank": rank[has],
                        "time": observed[has],
                        "owning": owning[has],
                        "named": named_component.reindex(strong[has]).to_numpy(),
                    }
                )
            )
            width = max(width, int(codes.max()) + 1 if len(has) else 0)
        offset += width
    return pd.concat(parts, ignore_index=True)


def link_contact_points(
    prepared: pd.DataFrame, strong: np.ndarray, observation_rank: np.ndarray
) -> tuple[np.ndarray, frozenset[str]]:
    """Deterministic cluster label per record (strong components joined by guarded e-mails and
    phones), and the *shared* values: those the guards kept from linking two named clusters, i.e.
    a household's, which identify no single person."""
    n = len(prepared)
    edges = contact_point_edges(prepared, strong, observation_rank)
    unguarded = _components_through_values(n, strong, edges)
    suspect = suspect_components(prepared, unguarded) | _needs_guarded_pass(edges, unguarded)
    in_suspect = suspect[unguarded]
    labels = unguarded.copy()
    shared: frozenset[str] = frozenset()
    if in_suspect.any():
        parts = _suspect_parts(unguarded, in_suspect)
        results = processes.in_processes(
            [functools.partial(_guarded_part, prepared, strong, edges, part) for part in parts]
        )
        offset = int(labels.max()) + 1
        for part, (guarded, part_shared) in zip(parts, results, strict=True):
            labels[part] = guarded + offset
            offset += int(guarded.max()) + 1 if len(guarded) else 0
            shared |= part_shared
    # numbered by first appearance: the same labels however the suspect parts were split
    return dense_labels(labels), shared


def _suspect_parts(unguarded: np.ndarray, in_suspect: np.ndarray) -> list[np.ndarray]:
    """The suspect records in one part, or (when there are many and a second core and `fork`
    exist) in two parts of whole components with about as many records each. The guarded pass
    never joins two components, so each part can be decided on its own."""
    idx = np.flatnonzero(in_suspect)
    if len(idx) < processes.PARALLEL_MIN_RECORDS or not processes.can_fork():
        return [idx]
    component = unguarded[idx]
    size = np.bincount(component)
    # components, largest first, each to the part with fewer records so far
    load = [0, 0]
    part_of = np.zeros(len(size), dtype=np.int64)
    for c in np.argsort(-size, kind="stable")[: np.count_nonzero(size)].tolist():
        lighter = int(load[1] < load[0])
        part_of[c] = lighter
        load[lighter] += int(size[c])
    return [part for p in (0, 1) if len(part := idx[part_of[component] == p])]


def _guarded_part(
    prepared: pd.DataFrame, strong: np.ndarray, edges: pd.DataFrame, part: np.ndarray
) -> tuple[np.ndarray, frozenset[str]]:
    """`_guarded_union` on the records `part` (whole components), edges renumbered to them."""
    position = np.full(len(prepared), -1, dtype=np.int64)
    position[part] = np.arange(len(part))
    sub_edges = edges[position[edges["record"].to_numpy()] >= 0].copy()
    sub_edges["record"] = position[sub_edges["record"].to_numpy()]
    return _guarded_union(prepared.iloc[part].reset_index(drop=True), strong[part], sub_edges)


def _components_through_values(n: int, strong: np.ndarray, edges: pd.DataFrame) -> np.ndarray:
    """Plain connected components of records through strong ids and shared values."""
    n_strong = int(strong.max()) + 1 if n else 0
    left = np.concatenate([np.arange(n), edges["record"].to_numpy()])
    right = np.concatenate([n + strong, n + n_strong + edges["node"].to_numpy()])
    n_nodes = n + n_strong + (int(edges["node"].max()) + 1 if len(edges) else 0)
    return dense_labels(components(n_nodes, left, right)[:n])


def _needs_guarded_pass(edges: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Per component: does it hold a nameless record carrying a value that named records use
    only in non-owning systems? That link would be refused even without any name conflict."""
    named = edges[edges["named"]]
    owned = named.groupby("node")["owning"].any()
    unowned_named = owned.index[~owned.to_numpy()]
    nameless = edges[~edges["named"] & edges["node"].isin(unowned_named)]
    flag = np.zeros(int(labels.max()) + 1 if len(labels) else 0, dtype=bool)
    flag[np.unique(labels[nameless["record"].to_numpy()])] = True
    return flag


def _guarded_union(
    records: pd.DataFrame, strong: np.ndarray, edges: pd.DataFrame
) -> tuple[np.ndarray, frozenset[str]]:
    """The sequential pass: named claims (owning systems first, then oldest first) through the
    guards, then nameless records (oldest first) onto the values' owners."""
    strong = dense_labels(strong)
    if edges.empty:  # suspect only through explicit ids: nothing to add to them
        return strong, frozenset()
    n_strong = int(strong.max()) + 1
    profile_map = profiles_by_label(records, strong)
    nodes = dense_labels(edges["node"].to_numpy())
    n_nodes = int(nodes.max()) + 1
    edges = edges.assign(strong=strong[edges["record"].to_numpy()], node=nodes + n_strong)
    # per value: one node named claims and owners join, one spare for nameless records only
    uf = GuardedUnionFind([profile_map[i] for i in range(n_strong)] + [EMPTY] * (2 * n_nodes))

    named = edges[edges["named"]].sort_values(
        ["owning", "rank", "node"], ascending=[False, True, True], kind="stable"
    )
    owned: set[int] = set()
    shared: set[str] = set()
    for component, node, owning, value in zip(
        named["strong"].tolist(),
        named["node"].tolist(),
        named["owning"].tolist(),
        named["value"].tolist(),
        strict=True,
    ):
        if not uf.union(component, node) and not uf.name_forms_agree(component, node):
            shared.add(value)  # two people's: a household's e-mail or landline
        elif owning:
            owned.add(node)

    # named holders of each value, oldest first, for the nameless records' fallbacks
    holders = named.sort_values(["node", "rank"], kind="stable")
    holder_node = holders["node"].to_numpy()
    holder_time = holders["time"].to_numpy()
    holder_strong = holders["strong"].to_numpy()
    holder_first = records["first_name_norm"].to_numpy(dtype=object)[holders["record"].to_numpy()]
    holder_last = records["last_name_norm"].to_numpy(dtype=object)[holders["record"].to_numpy()]

    nameless = edges[~edges["named"]].sort_values(["rank", "node"], kind="stable")
    for component, node, time, value in zip(
        nameless["strong"].tolist(),
        nameless["node"].tolist(),
        nameless["time"].tolist(),
        nameless["value"].tolist(),
        strict=True,
    ):
        lo = int(np.searchsorted(holder_node, node, "left"))
        hi = int(np.searchsorted(holder_node, node, "right"))
        if node in owned or lo == hi:
            uf.union(component, node)
            continue
        if not pd.isna(time):
            gap = np.abs(holder_time[lo:hi] - np.datetime64(time, "ns"))
            if gap.min() <= SAME_SESSION:  # (NaT gaps compare False)
                uf.union(component, int(holder_strong[lo + int(np.argmin(gap))]))
                continue
        named_in_address = [
            i for i in range(lo, hi) if address_names(value, holder_first[i], holder_last[i])
        ]
        if named_in_address:  # the oldest holder the address names
            uf.union(component, int(holder_strong[named_in_address[0]]))
        elif len({uf.find(int(c)) for c in holder_strong[lo:hi]}) == 1 and (
            not any(address_has_family_name(value, holder_last[i]) for i in range(lo, hi))
            or _before(holder_time[lo:hi].min(), time)
        ):  # one named person holds it: theirs, unless it is a family address (`thehoods@`)
            # that the nameless record used before they did (then another member registered it)
            uf.union(component, int(holder_strong[lo]))
        elif "@" in value and _before(holder_time[lo:hi].min(), time):
            # an e-mail several named people hold, none of whom gave it for themselves (CRM
            # contacts, payer details): the one who used it first registered it, as rule 4
            # takes the first self-service claimant for the owner. A nameless record that used
            # it before every holder may be another member's: it stays apart. (A household
            # landline is not registered by anyone: a call from it is nobody's in particular.)
            uf.union(component, int(holder_strong[lo]))
        else:
            uf.union(component, node + n_nodes)  # the value's nameless records stay together
    return dense_labels(uf.labels()[:n_strong][strong]), frozenset(shared)


def _before(a: np.datetime64, b: object) -> bool:
    return not pd.isna(a) and not pd.isna(b) and a < np.datetime64(b, "ns")


def address_has_family_name(value: str, last_name: str | None) -> bool:
    """`thehoods@`, `hoodfamily@`: an address made of a family name may be the household's."""
    return (
        isinstance(last_name, str) and len(last_name) >= 3 and last_name in value.partition("@")[0]
    )


_NON_LETTERS = re.compile(r"[^a-z]+")

_REPEATED_SEPARATOR = re.compile(r"([._-])\1+")


def _single_separators(address: str) -> str:
    return _REPEATED_SEPARATOR.sub(r"\1", address)


#: Words that addresses add to names (`thejensens@`, `hoodfamily@`, `esparza.home@`).
ADDRESS_WORDS = frozenset({"the", "family", "home"})


def name_vocabulary(prepared: pd.DataFrame) -> frozenset[str]:
    """Given and family names (two letters or more) that at least two named records carry: the
    names people are called in this data. A name typed once may be a typo itself."""
    counts = pd.concat(
        [prepared["first_name_norm"], prepared["last_name_norm"]], ignore_index=True
    ).value_counts()  # distinct names: thousands, where records are millions
    return frozenset(n for n in counts.index[counts >= 2] if len(n) >= 2) | ADDRESS_WORDS


def local_letters(address: str) -> str:
    """The letters of an address's local part (`sara.smith84@` -> `sarasmith`)."""
    return _NON_LETTERS.sub("", address.partition("@")[0])


def typo_sites(a: str, b: str) -> tuple[frozenset[int], frozenset[int]]:
    """For two strings one dropped, doubled or swapped letter apart: the positions in each
    that the edit touches (in `millerrdavid` / `millerdavid` the doubled `r`, 5 and 6 of the
    first, and the `r` before the gap, 5 of the second). Equal strings touch nothing."""
    if a == b:
        return frozenset(), frozenset()
    head = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(map(len, (a, b)))
    )
    tail = 0
    while tail < min(len(a), len(b)) - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
        tail += 1

    def site(x: str) -> frozenset[int]:
        end = len(x) - tail  # the letters from `head` up to `end` differ; the edit borders them
        return frozenset(range(max(min(head, end) - 1, 0), min(max(head, end) + 1, len(x))))

    return site(a), site(b)


def spells_names(
    address: str, vocabulary: frozenset[str], typo_at: frozenset[int] = frozenset()
) -> bool:
    """Are the letters of the address's local part a sequence of known names (`vocabulary`,
    address words included), with at most one initial, not next to an address word, and a
    plural `s` at the end? `sarasmith@`, `abaker@`, `theryans@` are; `bittneyolson@`,
    `kshmidt@` (a letter dropped from a name) and `theddoyles@` (a letter doubled) are not.

    `typo_at`: positions of the letters a typo touched (`typo_sites`). A letter there, between
    two parts, is no initial: `millerr.david@` beside `miller.david@` is `miller` with an `r`
    doubled, not `miller r. david`; `stephnphillips@` is `stephen` with the `e` dropped, not
    `steph n.` (issue 12, D079: every such reading on the second profile was a typo of the
    person's own address, which the rule then took for a namesake's). At the start or the end
    an initial is where addresses put one (`jwilliams@` beside `williams@`, `sarahd@` beside
    `sarad@`: at 100,000 customers those are namesakes' addresses, not typos)."""
    letters = local_letters(address)
    n = len(letters)
    # states[i]: (initials used, kind of the last part: "" start, "name", "word", "initial")
    # with which letters[:i] splits into parts
    states: list[set[tuple[int, str]]] = [{(0, "")}] + [set() for _ in range(n)]
    for i in range(n):
        for used, last in states[i]:
            if not used and last != "word" and (i not in typo_at or i in (0, n - 1)):
                states[i + 1].add((1, "initial"))
            for j in range(i + 2, n + 1):
                part = letters[i:j]
                if part not in vocabulary:
                    continue
                kind = "word" if part in ADDRESS_WORDS else "name"
                if not (kind == "word" and last == "initial"):
                    states[j].add((used, kind))
    plural = letters.endswith("s") and any(last != "initial" for _, last in states[n - 1])
    return n > 0 and (bool(states[n]) or plural)


def link_typo_neighbours(
    prepared: pd.DataFrame,
    labels: np.ndarray,
    unusable: frozenset[str] = frozenset(),
    vocabulary: frozenset[str] | None = None,
    neighbours: pd.DataFrame | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Attach a nameless cluster whose e-mail is one typo away from the e-mail of exactly one
    named person (a newsletter sign-up `deborahgiffin@` of `deborahgriffin@`'s customer).

    Sign-up and survey forms check nothing, so their addresses carry typos; a nameless record
    has no name to compare, so the link needs an unambiguous neighbour: its address is used by
    no named record, and every named address one edit from it belongs to one cluster. The edit
    is a dropped, doubled or swapped character, not a substituted one: addresses are built from
    names, and strangers' addresses differ by one letter (`jmason@`, `cmason@`). A neighbour
    that is a family address (`thehoods@`) is its one named holder's only when they used it
    before the nameless record did (as for an exact value): otherwise another member may have
    registered it.
    `unusable`: shared or placeholder values, which identify nobody. `neighbours`: the address
    pairs `typo_neighbours` found on these labels or on labels these refine (computed by
    another process while the first pass ran); by default found here.
    Returns the new labels, the attached records, and the (nameless, named) record pairs.
    """
    has_name = prepared["first_name_norm"].notna().to_numpy()
    named_cluster = pd.Series(has_name).groupby(labels).any().to_numpy()
    email = prepared["email_key"].to_numpy(dtype=object)
    present = pd.notna(email) & ~_isin(email, unusable)
    named_emails = set(email[present & has_name])
    left_idx = np.flatnonzero(present & ~named_cluster[labels])
    left_idx = left_idx[~_isin(email[left_idx], named_emails)]
    right_idx = np.flatnonzero(present & has_name)
    none = pd.DataFrame({"left_rec": [], "right_rec": []}, dtype=np.int64)
    if not len(left_idx) or not len(right_idx):
        return labels, np.zeros(len(prepared), dtype=bool), none
    if neighbours is None:
        neighbours = typo_neighbours(prepared, labels)
    # per nameless address: its named neighbours' clusters (one, or it stays apart) and the
    # first record of that cluster with a neighbouring address
    holders = pd.DataFrame(
        {"neighbour": email[right_idx], "cluster": labels[right_idx], "right_rec": right_idx}
    )
    by_address = (
        neighbours.merge(holders, on="neighbour")
        .groupby("email", sort=False)
        .agg(clusters=("cluster", "nunique"), right_rec=("right_rec", "min"))
    )
    by_address = by_address.loc[by_address["clusters"] == 1, ["right_rec"]].reset_index()
    left_records = pd.DataFrame({"left_rec": left_idx, "email": email[left_idx]})
    pairs = (
        left_records.merge(by_address, on="email")
        .loc[:, ["left_rec", "right_rec"]]
        .sort_values("left_rec", ignore_index=True)
    )
    if pairs.empty:
        return labels, np.zeros(len(prepared), dtype=bool), none
    first = prepared["first_name_norm"].to_numpy(dtype=object)
    last = prepared["last_name_norm"].to_numpy(dtype=object)
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    named_since = (
        pd.DataFrame({"email": email[right_idx], "t": observed[right_idx]})
        .groupby("email")["t"]
        .min()
    )
    # as for an exact value (`_guarded_union`): a family address whose one named holder used
    # it before the nameless record did is that holder's (otherwise another member registered
    # it)
    # a typo misspells a name: two addresses that both spell names the data knows
    # (`sarasmith@` / `sarahsmith@`, `abaker@` / `abarker@`, `theryans@` / `thebryans@`) are
    # two people's, one letter apart as their names are; unless the sign-up's spells the
    # holder's name and the holder's own does not (`jessica.patrick@` beside Jessica Patrick's
    # contact that staff typed `jessic.apatrick@`): then the typo is the holder's
    if vocabulary is None:  # else counted over more records than these (`WholeDataFacts`)
        vocabulary = name_vocabulary(prepared)
    usable = [
        (
            address_names(email[r], first[r], last[r])
            or not address_has_family_name(email[r], last[r])
            or _before(named_since[email[r]], observed[n])
        )
        and (
            _single_separators(email[n]) == _single_separators(email[r])  # a doubled one
            or not _both_spell_names(email[n], email[r], vocabulary)
            or (
                address_names(email[n], first[r], last[r])
                and not address_names(email[r], first[r], last[r])
            )
        )
        for n, r in zip(pairs["left_rec"].tolist(), pairs["right_rec"].tolist(), strict=True)
    ]
    pairs = pairs[usable]
    left, right = pairs["left_rec"].to_numpy(np.int64), pairs["right_rec"].to_numpy(np.int64)
    return _attach_pairs(prepared, labels, left, right)


def _both_spell_names(sign_up: str, held: str, vocabulary: frozenset[str]) -> bool:
    """Do a nameless sign-up's address and a named holder's one typo apart both spell names?
    Then they are two people's (`sarasmith@` / `sarahsmith@`). The sign-up's is read with no
    initial on a letter the typo touched: that letter is the typo (`millerr.david@`). The
    holder's is read as before: it is checked against the holder's name (`address_names`)."""
    sites, _ = typo_sites(local_letters(sign_up), local_letters(held))
    return spells_names(sign_up, vocabulary, sites) and spells_names(held, vocabulary)


def typo_neighbours(prepared: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """(email, neighbour): each address of a nameless cluster (under `labels`) that no named
    record uses, and each named record's address one typo from it that `link_typo_neighbours`
    accepts as a typo of the same mailbox. Addresses only: which cluster holds a neighbour is
    looked up under the labels of the moment, so labels that merge clusters later (the rules
    after the first pass) only remove addresses, and these pairs serve them too.

    Candidates come from a symmetric-deletion index (each address and its one-character
    deletions; two strings one edit apart share an entry), so no pair of distant addresses is
    ever compared; each distinct address is expanded once (at a million customers the deletion
    index is tens of millions of rows otherwise).
    """
    has_name = prepared["first_name_norm"].notna().to_numpy()
    named_cluster = pd.Series(has_name).groupby(labels).any().to_numpy()
    email = prepared["email_key"].to_numpy(dtype=object)
    present = pd.notna(email)
    named_emails = pd.unique(email[present & has_name])
    nameless = email[present & ~named_cluster[labels]]
    frames = {
        "l": pd.DataFrame({"email": pd.unique(nameless[~_isin(nameless, named_emails)])}),
        "r": pd.DataFrame({"email": named_emails}),
    }
    con = connect_scratch()  # the run's memory_limit
    try:
        for name, frame in frames.items():
            con.register(f"{name}_frame", frame)
            variants = one_deletion_variants(f"{name}_frame", "email", longest=64)
            con.execute(f"create temp table {name} as {variants}")
        return con.execute(f"""
            with candidates as (
                select distinct l.email as le, r.email as re
                from l join r using (variant)
                where l.email <> r.email
            )
            select le as email, re as neighbour from candidates
            where {one_typo("le", "re")} and {not_a_substitution("le", "re")}
                and {a_typo_of_the_same_mailbox("le", "re")}""").df()
    finally:
        con.close()


def link_session_typos(
    prepared: pd.DataFrame, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Attach nameless clusters to a named record first seen in the same session whose e-mail
    differs from theirs by one typo (a newsletter sign-up with `jhon@` during the checkout of
    `john@`). Returns the new labels, which records were attached this way, and the
    (nameless, named) record pairs that joined.

    Exact e-mails were decided by the ownership rules above; here only typo'd ones, and only
    within `SAME_SESSION`, where a stranger with a one-typo address is very unlikely.
    """
    has_name = prepared["first_name_norm"].notna().to_numpy()
    named_cluster = pd.Series(has_name).groupby(labels).any().to_numpy()
    email = prepared["email_key"].to_numpy(dtype=object)
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    present = pd.notna(email) & ~np.isnat(observed)
    left_idx = np.flatnonzero(present & ~named_cluster[labels])
    right_idx = np.flatnonzero(present & has_name)
    attached = np.zeros(len(prepared), dtype=bool)
    none = pd.DataFrame({"left_rec": [], "right_rec": []}, dtype=np.int64)
    if not len(left_idx) or not len(right_idx):
        return labels, attached, none
    con = connect_scratch()  # the run's memory_limit
    try:
        for name, idx in (("l", left_idx), ("r", right_idx)):
            con.register(
                f"{name}_frame", pd.DataFrame({"rec": idx, "email": email[idx], "t": observed[idx]})
            )
            # One edit leaves either the local part or the domain intact: candidates share one
            # of them (the domain with the address's first letter, which typos in practice
            # spare) and an hour cell; the left side also looks into the neighbouring cells.
            hours = "[h - 1, h, h + 1]" if name == "l" else "[h]"
            con.execute(f"""
                create temp table {name} as
                select rec, email, t, unnest({hours}) as hour,
                    split_part(email, '@', 1) as local,
                    split_part(email, '@', 2) || ':' || left(email, 1) as domain_initial
                from (select *, floor(epoch(t) / {SESSION_SECONDS})::bigint as h
                      from {name}_frame)""")
        pairs = con.execute(f"""
            with candidates as (
                select l.rec as left_rec, r.rec as right_rec, l.email as le, r.email as re,
                    abs(epoch(l.t) - epoch(r.t)) as gap
                from l join r on l.local = r.local and l.hour = r.hour
                union all
                select l.rec, r.rec, l.email, r.email, abs(epoch(l.t) - epoch(r.t))
                from l join r on l.domain_initial = r.domain_initial and l.hour = r.hour
            )
            select left_rec, right_rec
            from candidates
            where gap <= {SESSION_SECONDS} and le <> re and {one_typo("le", "re")}
            order by left_rec, gap, right_rec""").df()
    finally:
        con.close()
    if pairs.empty:
        return labels, attached, none
    closest = pairs.drop_duplicates("left_rec")  # per nameless record, the nearest in time
    left = closest["left_rec"].to_numpy(np.int64)
    right = closest["right_rec"].to_numpy(np.int64)
    return _attach_pairs(prepared, labels, left, right)


def link_session_sign_ups(
    prepared: pd.DataFrame,
    labels: np.ndarray,
    unusable: frozenset[str] = frozenset(),
    mass: frozenset[tuple[str, pd.Timestamp]] | None = None,
    candidates: pd.DataFrame | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Attach a nameless cluster whose e-mail spells the whole name of exactly one named record
    first seen within the hour (`SAME_SESSION`): a newsletter or survey sign-up with the
    person's own address during the visit that created their account or CRM contact under
    another (a family address, a placeholder, none).

    The address's letters must be the given name (or a name it is a nickname of) and the family
    name (`juliebutler@`, `butler.julie@`), or the initial and the family name (`jbutler@`), and
    nothing else (`sgreene@` is not `s` + `green`); digits and punctuation do not count. Three
    more ways people spell their own name in an address, where the record holds less: the full
    given name of which the record's is a short form (CRM staff type `Mich`, `Jas`; the person
    signs up as `michael.ross@`, `jason_johnson@`: the record's given name, three letters or
    more, starts the address's), and the initials of given and middle name before the family
    name (`knnixon@` for Kerry Nixon); each needs the same single candidate in the visit. Not
    the given name and a family initial (`michaelt@`): at 100,000 customers a visit's hour
    holds other people whose addresses read so (36 wrong links, measured);
    its address is used by no named record (otherwise the ownership rules decide) and is no
    shared or placeholder value. A household member signing up in the same visit with their own
    address spells their own name; a namesake stranger in the same hour is rare, and two named
    candidates leave the record alone. Candidates: named records in the same or a neighbouring
    hour whose given or family name starts with the address's first letter (no pair of
    distant records is compared).
    `candidates`: the pairs `session_sign_up_pairs` found on these labels or on labels these
    refine (computed by another process while the first pass ran); by default found here.
    Returns the new labels, the attached records, and the (nameless, named) record pairs.
    """
    none = pd.DataFrame({"left_rec": [], "right_rec": []}, dtype=np.int64)
    if candidates is None:
        candidates = session_sign_up_pairs(prepared, labels, mass)
    left = candidates["left_rec"].to_numpy(np.int64)
    right = candidates["right_rec"].to_numpy(np.int64)
    # the nameless side as these labels and values see it: still a nameless cluster (a rule
    # since the candidates were found may have attached it), its address no shared value
    has_name = prepared["first_name_norm"].notna().to_numpy()
    named_cluster = pd.Series(has_name).groupby(labels).any().to_numpy()
    email = prepared["email_key"].to_numpy(dtype=object)
    usable = ~named_cluster[labels[left]] & ~_isin(email[left], unusable)
    spelled = pd.DataFrame({"left_rec": left[usable], "right_rec": right[usable]})
    spelled["cluster"] = labels[spelled["right_rec"].to_numpy()]
    # one named person spelled, or the record stays apart
    pairs = spelled.groupby("left_rec").agg(
        clusters=("cluster", "nunique"), right_rec=("right_rec", "min")
    )
    pairs = pairs.loc[pairs["clusters"] == 1, ["right_rec"]].reset_index()
    if pairs.empty:
        return labels, np.zeros(len(prepared), dtype=bool), none
    left, right = pairs["left_rec"].to_numpy(np.int64), pairs["right_rec"].to_numpy(np.int64)
    return _attach_pairs(prepared, labels, left, right)


def session_sign_up_pairs(
    prepared: pd.DataFrame,
    labels: np.ndarray,
    mass: frozenset[tuple[str, pd.Timestamp]] | None = None,
) -> pd.DataFrame:
    """(left_rec, right_rec): a record of a nameless cluster (under `labels`) whose address no
    named record uses, first seen outside a mass hour, and a named record first seen within the
    hour whose whole name the address spells (`link_session_sign_ups` says how). Which cluster
    the named record is in, and which values are shared, `link_session_sign_ups` looks up when
    it decides, so labels that merge clusters later only remove nameless records, and these
    pairs serve them too."""
    has_name = prepared["first_name_norm"].notna().to_numpy()
    named_cluster = pd.Series(has_name).groupby(labels).any().to_numpy()
    email = prepared["email_key"].to_numpy(dtype=object)
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    present = pd.notna(email) & ~np.isnat(observed)
    named_emails = set(email[present & has_name])
    left_idx = np.flatnonzero(present & ~named_cluster[labels])
    left_idx = left_idx[~_isin(email[left_idx], named_emails)]
    if mass is None:  # else counted over more records than these (`WholeDataFacts`)
        mass = mass_hours(prepared)
    left_idx = left_idx[~in_a_mass_hour(prepared, mass)[left_idx]]
    whole_name = has_name & prepared["last_name_norm"].notna().to_numpy()
    right_idx = np.flatnonzero(whole_name & ~np.isnat(observed))
    if not len(left_idx) or not len(right_idx):
        return pd.DataFrame({"left_rec": [], "right_rec": []}, dtype=np.int64)
    return spelled_sign_ups(prepared, left_idx, right_idx)


def spelled_sign_ups(
    prepared: pd.DataFrame, nameless: np.ndarray, named: np.ndarray, slack_seconds: int = 0
) -> pd.DataFrame:
    """(left_rec, right_rec): a record of `nameless` and one of `named` (positions in
    `prepared`) first seen within the hour of it (and `slack_seconds`) whose whole name the
    first's address's letters spell, as `link_session_sign_ups` reads them. The one test of
    spelling: the rule and the incremental candidate graph (identity.incremental) both call it,
    so the graph holds every pair the rule can accept and no pair it cannot."""
    window = SESSION_SECONDS + slack_seconds
    observed = prepared["observed_at"].to_numpy(dtype="datetime64[ns]")
    email = prepared["email_key"].to_numpy(dtype=object)
    first = prepared["first_name_norm"].to_numpy(dtype=object)[named]
    last = prepared["last_name_norm"].to_numpy(dtype=object)[named]
    nameless = pd.DataFrame({"rec": nameless, "email": email[nameless], "t": observed[nameless]})
    named = pd.DataFrame({"rec": named, "t": observed[named], "first": first, "last": last})
    con = connect_scratch()  # the run's memory_limit
    try:
        con.register("l_frame", nameless[["rec", "email", "t"]])
        con.register("named_frame", named[["rec", "t", "first", "last"]])
        # the nickname keys once per distinct given name, not a list per record (2.3M lists
        # at 1M, a gigabyte of Python objects in the worker that finds these pairs)
        con.register("name_keys", _name_keys(pd.unique(named["first"].to_numpy(dtype=object))))
        con.execute("""
            create temp view r_frame as
            select n.*, coalesce(k.first_keys, []::varchar[]) as first_keys
            from named_frame as n left join (
                select first, list(key order by key) as first_keys from name_keys group by first
            ) as k using (first)""")
        con.execute(f"""
            create temp table l as
            select rec, t, unnest([h - 1, h, h + 1]) as hour, left(letters, 1) as initial, letters
            from (select *, floor(epoch(t) / {SESSION_SECONDS})::bigint as h,
                      regexp_replace(split_part(email, '@', 1), '[^a-z]', '', 'g') as letters
                  from l_frame)
            where length(letters) >= 4""")
        con.execute(f"""
            create temp table r as
            select rec, t, first, last, first_keys,
                floor(epoch(t) / {SESSION_SECONDS})::bigint as hour,
                -- a diminutive's full names may start with another letter (`Kit` spelled
                -- `christopherward@`, `Lisa` spelled `melissawilson@`); not a full name's
                -- (`Hannah` is in the nickname list as Joanna's: `joanna.lewis04@` is not hers)
                unnest(list_distinct([left(first, 1), left(last, 1)] || case
                    when length(first) <= {DIMINUTIVE_MAX_LETTERS}
                    then list_transform(first_keys, lambda k: left(k, 1)) else [] end
                )) as initial
            from r_frame
            where length(last) >= 3""")
        return con.execute(f"""
            with candidates as (
                select l.rec as left_rec, r.rec as right_rec, l.letters, r.first, r.last,
                    r.first_keys
                from l join r using (hour, initial)
                where abs(epoch(l.t) - epoch(r.t)) <= {window}
            )
            select distinct left_rec, right_rec from candidates
            where list_contains(
                list_transform(first_keys, lambda k: k || last)
                || list_transform(first_keys, lambda k: last || k)
                || [left(first, 1) || last, last || left(first, 1)],
                letters)
                -- a short form of the given name the address spells in full
                or (length(first) >= 3 and length(letters) > length(first) + length(last)
                    and ((suffix(letters, last) and starts_with(letters, first))
                         or (starts_with(letters, last)
                             and starts_with(substr(letters, length(last) + 1), first))))
                -- the initials of given and middle name, then the family name
                or (length(letters) = length(last) + 2 and left(letters, 1) = left(first, 1)
                    and suffix(letters, last))""").df()
    finally:
        con.close()


#: A given name this short is a diminutive (`Kit`, `Lisa`, `Liz`, `Ted`): a sign-up in the visit
#: may spell any of the full names it stands for, whatever their first letter (issue 12, D081).
#: A longer one is a name of its own, though the nickname list has it for another's (`Hannah`
#: for Joanna's; at 100,000 customers `joanna.lewis04@` joined a Hannah Lewis of the visit).
DIMINUTIVE_MAX_LETTERS = 4

#: An hour in which a system first saw this many times its typical hour's records is a mass
#: event (a list's first campaign send, an import), not visits: a visit creates a few records.
MASS_HOUR_FACTOR = 100


def mass_hours(prepared: pd.DataFrame) -> frozenset[tuple[str, pd.Timestamp]]:
    """(system, hour) in which the system first saw more than `MASS_HOUR_FACTOR` times the
    records of its median hour. Klaviyo's first campaign to an imported list gives every profile
    on it the same first-seen hour (25,203 profiles in one hour at 100,000 customers, the median
    hour 9): no sign-up happened in a visit then."""
    per_hour = _first_seen_hours(prepared).groupby(["system", "hour"]).size()
    typical = per_hour.groupby(level="system").median()
    limit = typical.reindex(per_hour.index.get_level_values("system")).to_numpy()
    return frozenset(per_hour[per_hour.to_numpy() > MASS_HOUR_FACTOR * limit].index.tolist())


def in_a_mass_hour(prepared: pd.DataFrame, mass: frozenset[tuple[str, pd.Timestamp]]) -> np.ndarray:
    """Per record: was it first seen in one of the `mass` hours (`mass_hours`)?"""
    if not mass:
        return np.zeros(len(prepared), dtype=bool)
    return pd.MultiIndex.from_frame(_first_seen_hours(prepared)).isin(list(mass))


def _first_seen_hours(prepared: pd.DataFrame) -> pd.DataFrame:
    observed = pd.Series(prepared["observed_at"].to_numpy(dtype="datetime64[ns]"))
    return pd.DataFrame(
        {"system": prepared["source_system"].to_numpy(dtype=object), "hour": observed.dt.floor("h")}
    )


@dataclass(frozen=True)
class WholeDataFacts:
    """What two rules count over all records, not over the records they link: the names people
    are called in the data (`name_vocabulary`) and the systems' mass hours (`mass_hours`). One
    process computes them from the records it resolves; a caller that resolves one group of
    connected components at a time (scale_out/resolve_on_spark.py) counts them over every
    record first and passes them in, so each group decides as the whole would."""

    name_vocabulary: frozenset[str]
    mass_hours: frozenset[tuple[str, pd.Timestamp]]

    @classmethod
    def of(cls, prepared: pd.DataFrame) -> WholeDataFacts:
        return cls(name_vocabulary(prepared), mass_hours(prepared))


def _name_keys(first_names: np.ndarray) -> pd.DataFrame:
    """(first, key): each distinct given name's nickname keys of three letters or more."""
    pairs = [
        (f, k) for f in first_names if isinstance(f, str) for k in first_name_keys(f) if len(k) >= 3
    ]
    return pd.DataFrame(pairs, columns=["first", "key"], dtype=object)


def _isin(values: np.ndarray, among: Collection[str]) -> np.ndarray:
    """Per value (an array of strings and None): is it one of `among`? On object values: pandas'
    own `isin` of text in Arrow (its default string dtype) converts `among` one value at a time
    (seconds for the named addresses of 100,000 customers)."""
    return pd.Series(values, dtype=object).isin(among).to_numpy()


def _attach_pairs(
    prepared: pd.DataFrame, labels: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """`_attach`, plus the (nameless, named) record pairs that did join."""
    merged, attached = _attach(prepared, labels, left, right)
    joined = merged[left] == merged[right]
    return merged, attached, pd.DataFrame({"left_rec": left[joined], "right_rec": right[joined]})


def _attach(
    prepared: pd.DataFrame, labels: np.ndarray, left_rec: np.ndarray, right_rec: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Join the clusters of left_rec[i] and right_rec[i] through the guards; returns the new
    labels and which records' clusters (the left ones) were attached."""
    left_labels = labels[left_rec]
    right_labels = labels[right_rec]
    involved = np.unique(np.concatenate([left_labels, right_labels]))
    member = np.isin(labels, involved)
    local = np.searchsorted(involved, labels[member])
    profiles = profiles_by_label(prepared.loc[member].reset_index(drop=True), local)
    uf = GuardedUnionFind([profiles[i] for i in range(len(involved))])
    joined = np.array(
        [
            uf.union(int(a), int(b))
            for a, b in zip(
                np.searchsorted(involved, left_labels),
                np.searchsorted(involved, right_labels),
                strict=True,
            )
        ],
        dtype=bool,
    )
    merged = labels.copy()
    merged[member] = involved[uf.labels()[local]]
    attached_labels = left_labels[joined]
    attached = np.isin(labels, attached_labels)
    return dense_labels(merged), attached


@dataclass(frozen=True)
class RuleLinks:
    """What the deterministic rules decided (`link_by_rules`)."""

    strong: np.ndarray  # component per record through explicit ids
    labels: np.ndarray  # deterministic cluster per record
    shared_values: frozenset[str]  # household values the guards refused (`link_contact_points`)
    typos: np.ndarray  # records attached through a typo'd e-mail (in a session, or a neighbour)
    sign_ups: np.ndarray  # records attached as a sign-up spelling a name
    session_typo_pairs: pd.DataFrame  # (left_rec, right_rec) that joined, per rule
    neighbour_pairs: pd.DataFrame
    sign_up_pairs: pd.DataFrame


def link_by_rules(
    prepared: pd.DataFrame,
    rank: np.ndarray,
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
) -> RuleLinks:
    """Every deterministic rule, in order: explicit ids, guarded contact points, same-session
    typos, typo'd neighbours, sign-ups in a visit.

    At a million records, the last two rules' candidate joins (DuckDB, a third of the rules'
    time) run in a second process while this one runs the first pass: found on the explicit-id
    components, a superset of the nameless clusters they look for, and decided on the labels
    of their turn (`typo_neighbours`, `session_sign_up_pairs`)."""
    strong = strong_components(prepared)

    def first_pass() -> tuple[np.ndarray, frozenset[str]]:
        return link_contact_points(prepared, strong, rank)

    def candidates() -> tuple[pd.DataFrame, pd.DataFrame]:
        return (
            typo_neighbours(prepared, strong),
            session_sign_up_pairs(prepared, strong, whole_data.mass_hours),
        )

    neighbours: pd.DataFrame | None = None
    sign_up_candidates: pd.DataFrame | None = None
    if processes.parallel(len(prepared)):
        (labels, shared), (neighbours, sign_up_candidates) = processes.in_processes(
            [first_pass, candidates]
        )
    else:  # found below on each rule's own labels
        labels, shared = first_pass()
    labels, session_typos, session_pairs = link_session_typos(prepared, labels)
    labels, neighbour_typos, neighbour_pairs = link_typo_neighbours(
        prepared, labels, shared, whole_data.name_vocabulary, neighbours
    )
    labels, sign_ups, sign_up_pairs = link_session_sign_ups(
        prepared, labels, shared | overloaded, whole_data.mass_hours, sign_up_candidates
    )
    return RuleLinks(
        strong,
        labels,
        shared,
        session_typos | neighbour_typos,
        sign_ups,
        session_pairs,
        neighbour_pairs,
        sign_up_pairs,
    )
