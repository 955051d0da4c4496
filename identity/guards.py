"""When two clusters of records may NOT be merged: the guards against household and name traps.

A cluster carries a `Profile`: what must stay consistent inside one person. Any merge that is
not forced by an explicit id (a shared e-mail or phone, a probabilistic match) goes through
`merge_profiles`, which refuses it when the result would hold

- first names that are not all compatible: the intersection of their nickname keys must hold a
  name the records use (`Bill`, `William` and `Will` may be one person; `Bill` and `Mary` may
  not, nor `Mandy` and `Randy`, whose only common key is a `Miranda` nobody is called),
- two clusters agreeing neither on a family name nor on an exact given name (a nickname bridge,
  `Kris` ~ `Tina` through `Kristina`, needs the family name; a changed family name needs the same
  given name),
- two different birth dates, or
- two different records of a namespace a person holds only once (two Shopify customers, two
  Salesforce contacts, ...; `schema.EXCLUSIVE_NAMESPACES`).

A household's shared e-mail or phone therefore links each member's records to each other only
as far as the names agree; nameless records (a Klaviyo profile, a call) join whichever cluster
claimed the value first (see `deterministic`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from identity.normalise import address_names, first_name_keys, one_edit
from identity.schema import (
    EXCLUSIVE_NAMESPACES,
    ID_RULES,
    STEWARD_SPLIT_COLUMN,
    STEWARD_SPLIT_ID_COLUMN,
)

CONTACT_COLUMNS = ("email_key", "phone_e164", "secondary_phone_e164")


@dataclass(slots=True)
class Profile:
    """What one cluster asserts about its person. `first_keys` None: no named record yet."""

    first_keys: frozenset[str] | None = None
    birth_date: dt.date | None = None
    ids: dict[str, frozenset[str]] = field(default_factory=dict)
    first_names: frozenset[str] = frozenset()
    last_names: frozenset[str] = frozenset()
    contacts: frozenset[str] = frozenset()  # the cluster's e-mail keys and phones
    split_sides: dict[int, int] = field(default_factory=dict)  # steward force-split pair -> side


EMPTY = Profile()

#: Agreeing contact points that, with the family name, let a first name the nickname list does
#: not know stand for another when it is a short form of it (`Kath` ~ `Katherine`).
CONTACTS_FOR_SHORT_FORMS = 2


def merge_profiles(
    a: Profile,
    b: Profile,
    contacts_for_short_forms: int = CONTACTS_FOR_SHORT_FORMS,
    typo_tolerant: bool = False,
    given_name_outweighed: bool = False,
) -> Profile | None:
    """The profile of the merged cluster, or None when the guards refuse the merge.

    `contacts_for_short_forms`: how many contact points the two clusters must share before a
    short form counts as the same first name (0 when other evidence, a Splink match, decides).
    `typo_tolerant`: for merges a probabilistic match proposes, whose model has already
    weighed names and birth dates: a name one typo from the other's (`jsohua` / `joshua`) or a
    swapped given and family name does not contradict, nor does a birth date (the model scores
    its disagreement); different first names still do.
    `given_name_outweighed`: the caller has found that the evidence for the merge outweighs
    `b`'s given name (`probabilistic._OneOffGivenName`): first names do not refuse it, and `b`'s
    given name, taken for a mistake, does not speak for the merged cluster.
    """
    if any(b.split_sides.get(pair, side) != side for pair, side in a.split_sides.items()):
        return None  # a steward said these records are different people
    first_names = a.first_names | b.first_names
    if given_name_outweighed and a.first_keys is not None:
        first_keys, first_names = a.first_keys, a.first_names
    elif a.first_keys is None:
        first_keys = b.first_keys
    elif b.first_keys is None:
        first_keys = a.first_keys
    elif typo_tolerant and (
        (a.birth_date is not None and a.birth_date == b.birth_date) or names_swapped(a, b)
    ):
        # a match that agrees on a contact point and the date of birth is not refused for its
        # names (FEBRL-style corruption replaces a name outright); households rarely share a
        # birthday, twins aside. Nor is one whose given and family names are each other's
        # (`Luke Gazzola` / `Gazzola Luke`): no two members of a household are named so.
        first_keys = a.first_keys | b.first_keys
    else:
        first_keys = a.first_keys & b.first_keys
        # the shared key must be a name one of them uses: `Bill` and `William` are one person,
        # `Mandy` and `Randy` are not made one by a `Miranda` neither is called
        if first_keys.isdisjoint(a.first_names | b.first_names):
            typo = typo_tolerant and all(
                name_typo(x, y) for x in a.first_names for y in b.first_names
            )
            if not typo and not short_form_evidence(a, b, contacts_for_short_forms, typo_tolerant):
                return None
            # the full form speaks for the cluster: `Kath` + `Katherine` takes Katherine's keys
            # (after a typo, either spelling's keys: the longer)
            first_keys = a.first_keys if _longest(a) >= _longest(b) else b.first_keys
        # a nickname bridge needs the family name, a changed family name the given name (a
        # typo of it, when a match proposes the merge)
        if (
            a.last_names
            and b.last_names
            and not last_names_overlap(a.last_names, b.last_names, typo_tolerant)
            and not _first_names_overlap(a.first_names, b.first_names, typo_tolerant)
            and not family_name_outweighed(a, b)
        ):
            return None
    if (
        a.birth_date is not None
        and b.birth_date is not None
        and a.birth_date != b.birth_date
        and not typo_tolerant
    ):
        return None
    ids = dict(a.ids)
    for namespace, values in b.ids.items():
        if namespace in ids and ids[namespace] != values:
            return None
        ids[namespace] = values
    return Profile(
        first_keys,
        a.birth_date or b.birth_date,
        ids,
        first_names,
        a.last_names | b.last_names,
        a.contacts | b.contacts,
        {**a.split_sides, **b.split_sides},
    )


def short_form_evidence(
    a: Profile, b: Profile, contacts_needed: int, typo_tolerant: bool = False
) -> bool:
    """Can first names the nickname list does not relate still be one person's?

    Every name of one cluster must be a form of every name of the other (a nickname, or a
    short form: one is the start of the other, `Kath` / `Katherine`, or an initial), the family
    names must agree, and the clusters must share `contacts_needed` contact points. Household
    members share a family name and often an e-mail and a landline, but not a first name that
    one could shorten to the other (`Mary` is no form of `John`)."""
    if len(a.contacts & b.contacts) < contacts_needed:
        return False
    if not (
        a.last_names
        and b.last_names
        and (
            last_names_overlap(a.last_names, b.last_names, typo_tolerant)
            or family_name_outweighed(a, b)
        )
    ):
        return False
    return all(
        is_name_form(x, y)
        or (
            typo_tolerant and (name_typo(x, y) or x in b.last_names or y in a.last_names)
        )  # given/family swapped
        for x in speaking_names(a)
        for y in speaking_names(b)
    )


def family_name_outweighed(a: Profile, b: Profile) -> bool:
    """Can two clusters under different family names be one person's, their given names being
    forms of one name? When they share `CONTACTS_FOR_SHORT_FORMS` contact points, one of them an
    e-mail that names one of them: a given name of theirs, or an initial next to a family name
    of theirs (`bradleyd@` and a phone shared by the shop's `Bradley Solis` and the CRM's
    `Brad Davis`; `bburton@` and a phone shared by `Brandon Baker` and `Bran Burton`). A
    personal address and a phone in common are one person's, whose family name changed or
    which staff typed as another (a maiden name, a partner's). Two contact points and the
    family name already outweigh a given name the nickname list does not know (rule 3); this is
    the same evidence for the other name. A household's address (`thesmiths@`, `garcia.home@`)
    names nobody, so members of other family names who share it and a landline stay apart."""
    shared = a.contacts & b.contacts
    if len(shared) < CONTACTS_FOR_SHORT_FORMS:
        return False
    first_names = a.first_names | b.first_names
    last_names = a.last_names | b.last_names
    return any(
        "@" in value
        and not _household_address(value, last_names)
        and any(address_names(value, first, last) for first in first_names for last in last_names)
        for value in shared
    )


_HOUSEHOLD_WORDS = re.compile(r"(the|family|home|s)*")


def _household_address(value: str, last_names: frozenset[str]) -> bool:
    """Is the e-mail a family name of `last_names` and the words households add to one
    (`thesmiths@`, `smithfamily@`, `smith.home@`)? Read so, `thesmiths@` would name an
    `E. Smith`."""
    letters = re.sub(r"[^a-z]", "", value.partition("@")[0])
    return any(
        len(last) >= 3 and last in letters and _HOUSEHOLD_WORDS.fullmatch(letters.replace(last, ""))
        for last in last_names
    )


def speaking_names(profile: Profile) -> frozenset[str]:
    """The given names a cluster is known by: those of its names that every one of its names
    is a form of (its common keys), else all of them. A cluster of `Jeremy` and `Jezza`, a
    nickname of Jeremy, is Jeremy's: the short form `Jer` on a CRM contact sharing its e-mail
    and phone is a form of that name, though not of the nickname (issue 12, D079: such clusters
    refused the short form that the cluster of `Jeremy` alone takes)."""
    common = profile.first_names & (profile.first_keys or frozenset())
    return common or profile.first_names


def name_typo(x: str, y: str) -> bool:
    """One typo apart as names go: one edit between names of four letters or more; between
    shorter ones a dropped, added or swapped letter (`lam` / `liam`, `pai` / `pia`) but not a
    changed one, which is how different short names differ (`Tom` / `Tim`, `Ben` / `Ken`)."""
    shortest = min(len(x), len(y))
    if shortest < 3 or not one_edit(x, y):
        return False
    return shortest >= 4 or len(x) != len(y) or sorted(x) == sorted(y)


def names_swapped(a: Profile, b: Profile) -> bool:
    """Is a given name of one cluster the other's family name and the other way round, up to a
    typo (`Luke Gazzola` / `gazzola luke`, `cooxn jonh` / `john coxon`)?"""

    def near(xs: frozenset[str], ys: frozenset[str]) -> bool:
        return any(x == y or name_typo(x, y) for x in xs for y in ys)

    return (
        bool(a.first_names and b.last_names and a.last_names and b.first_names)
        and near(a.first_names, b.last_names)
        and near(a.last_names, b.first_names)
    )


def is_name_form(x: str, y: str) -> bool:
    """Equal, nicknames of one name, or a short form (a start of at least three letters, or an
    initial) of the other."""
    if not first_name_keys(x).isdisjoint(first_name_keys(y)):
        return True
    short, full = sorted((x, y), key=len)
    return full.startswith(short) and (len(short) >= 3 or len(short) == 1)


def _longest(profile: Profile) -> int:
    return max((len(n) for n in profile.first_names), default=0)


def _first_names_overlap(a: frozenset[str], b: frozenset[str], typo_tolerant: bool) -> bool:
    """A given name in common (or, typo-tolerant, one typo apart)."""
    return not a.isdisjoint(b) or (typo_tolerant and any(name_typo(x, y) for x in a for y in b))


def last_names_overlap(a: frozenset[str], b: frozenset[str], typo_tolerant: bool = False) -> bool:
    """Equal family names, or an initial (`John S.` in Zendesk) that fits, or (typo-tolerant)
    one typo apart."""
    return any(
        x == y
        or (min(len(x), len(y)) == 1 and x[0] == y[0])
        or (typo_tolerant and min(len(x), len(y)) >= 4 and one_edit(x, y))
        for x in a
        for y in b
    )


def profiles_by_label(prepared: pd.DataFrame, labels: np.ndarray) -> dict[int, Profile]:
    """Profiles of the clusters `labels` assigns, built from their records.

    These clusters were formed by explicit ids, which are facts: if their first names disagree
    (a nickname the list does not know) the profile keeps the union of the keys rather than
    refusing every later merge.
    """
    profiles: dict[int, Profile] = {int(lbl): Profile() for lbl in np.unique(labels)}
    for label, firsts in _sets_by_label(labels, prepared["first_name_norm"]).items():
        keys = [first_name_keys(f) for f in firsts]
        common = frozenset.intersection(*keys)
        profile = profiles[label]
        profile.first_keys = common or frozenset().union(*keys)
        profile.first_names = firsts
    for label, lasts in _sets_by_label(labels, prepared["last_name_norm"]).items():
        profiles[label].last_names = lasts
    for label, births in _sets_by_label(labels, prepared["birth_date"]).items():
        profiles[label].birth_date = min(births)
    contacts = pd.concat([prepared[c] for c in CONTACT_COLUMNS], ignore_index=True)
    for label, values in _sets_by_label(np.tile(labels, len(CONTACT_COLUMNS)), contacts).items():
        profiles[label].contacts = values
    if STEWARD_SPLIT_COLUMN in prepared.columns:
        sides = prepared[STEWARD_SPLIT_COLUMN].to_numpy(dtype=object)
        for i in np.flatnonzero(pd.notna(sides)):
            profiles[int(labels[i])].split_sides.update(sides[i])
    for namespace in EXCLUSIVE_NAMESPACES:
        columns = [r.column for r in ID_RULES if r.namespace == namespace]
        values = pd.concat([prepared[c] for c in columns], ignore_index=True)
        for label, ids in _sets_by_label(np.tile(labels, len(columns)), values).items():
            profiles[label].ids[namespace] = ids
    return profiles


def _sets_by_label(labels: np.ndarray, values: pd.Series) -> dict[int, frozenset]:
    """label -> set of its non-null values (numpy grouping: fast for many small groups)."""
    array = values.to_numpy(dtype=object)
    present = pd.notna(array)
    keys, array = labels[present], array[present]
    order = np.argsort(keys, kind="stable")
    keys, array = keys[order], array[order]
    uniques, starts = np.unique(keys, return_index=True)
    # slices of one Python list (a numpy view per group cost more than its set at 1M records)
    items, bounds = array.tolist(), [*starts.tolist(), len(array)]
    return {
        int(k): frozenset(items[bounds[i] : bounds[i + 1]]) for i, k in enumerate(uniques.tolist())
    }


def suspect_components(prepared: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Per component label: could the guards refuse some merge inside it?

    A vectorised over-approximation: a component with one first-name class, at most one birth
    date and at most one value per exclusive namespace passes every guard whatever the order of
    merges, so only suspect components need the exact, sequential guarded union.
    """
    n_labels = int(labels.max()) + 1 if len(labels) else 0
    suspect = np.zeros(n_labels, dtype=bool)
    checks = [("first_name_class",), ("birth_date",), (STEWARD_SPLIT_ID_COLUMN,)]
    checks += [
        tuple(r.column for r in ID_RULES if r.namespace == ns) for ns in EXCLUSIVE_NAMESPACES
    ]
    for columns in checks:
        suspect |= _distinct(prepared, labels, columns, n_labels) > 1
    several_names = (_distinct(prepared, labels, ("first_name_norm",), n_labels) > 1) & (
        _distinct(prepared, labels, ("last_name_norm",), n_labels) > 1
    )
    return suspect | several_names


def _distinct(
    prepared: pd.DataFrame, labels: np.ndarray, columns: tuple[str, ...], n_labels: int
) -> np.ndarray:
    """Distinct non-null values of `columns` (taken together) per label."""
    parts = [prepared[c] for c in columns if c in prepared.columns]
    if not parts:
        return np.zeros(n_labels, dtype=np.int64)
    # on integer codes of the values (equal values in two columns share one): no frame of
    # strings to build and de-duplicate
    codes = pd.factorize(pd.concat(parts, ignore_index=True), use_na_sentinel=True)[0]
    present = codes >= 0
    width = np.int64(codes.max()) + 1 if present.any() else 1
    pairs = np.unique(
        np.tile(labels, len(parts))[present].astype(np.int64) * width + codes[present]
    )
    return np.bincount(pairs // width, minlength=n_labels).astype(np.int64)


#: A contact value used by more distinct named people than this is a shared line (a store's
#: phone typed for walk-in customers, `noemail@` placeholders, a help-desk address): it links
#: nobody on its own. Households hold up to four or five people.
MAX_PEOPLE_PER_CONTACT = 5


def overloaded_values(
    prepared: pd.DataFrame, max_people: int = MAX_PEOPLE_PER_CONTACT
) -> frozenset[str]:
    """E-mail keys and phones held by more than `max_people` distinct named people, a person
    being a (first-name class, family name): nickname spellings of one person count once."""
    named = prepared["first_name_class"].notna().to_numpy()
    person = (
        prepared["first_name_class"].astype(object).fillna("")
        + "|"
        + prepared["last_name_norm"].astype(object).fillna("")
    )[named]
    values = pd.concat(
        [
            pd.DataFrame({"value": prepared[c].to_numpy(dtype=object)[named], "person": person})
            for c in CONTACT_COLUMNS
        ],
        ignore_index=True,
    ).dropna()
    people = values.drop_duplicates().groupby("value").size()
    return frozenset(people.index[people > max_people].tolist())
