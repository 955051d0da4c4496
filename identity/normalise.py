"""Identifiers to comparable keys: e-mail, phone (E.164), names, nicknames, US postal codes,
street addresses.

Each normaliser takes one raw value and returns its key, or None when nothing usable is left.
E-mails and phones (millions of distinct values) have column versions built on Arrow kernels,
which the one-value versions call, so there is one implementation; names and postal codes go
through `map_unique`, once per distinct value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from nicknames import NickNamer

DEFAULT_REGION = "US"

# Gmail ignores dots in the local part and both domains are one mailbox.
_GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_NON_LETTERS = re.compile(r"[^a-z]+")
_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def normalise_email(raw: str | None) -> str | None:
    """Lower-case, no whitespace, no `+tag`; for Gmail also no dots and one domain.

    Sub-address tags are dropped for every domain: the major providers deliver `a+x@` to `a@`,
    and a tag never tells two people apart.
    """
    return normalise_emails([raw])[0]


def normalise_emails(values: Iterable[Any]) -> np.ndarray:
    """`normalise_email` for a whole column at once (Arrow kernels; millions of addresses)."""
    text = pc.utf8_lower(pc.replace_substring_regex(_strings(values), r"\s+", ""))
    # the last @ splits; the domain needs a dot (plain kernels: regexes are slow on millions).
    # A leading "@" makes every split two parts; it is dropped from the local part again.
    at_text = pc.binary_join_element_wise(pa.scalar("@"), text, "")
    parts = pc.split_pattern(at_text, "@", max_splits=1, reverse=True)
    local = pc.utf8_slice_codeunits(pc.list_element(parts, 0), 1)
    domain = pc.list_element(parts, 1)
    nothing = pa.scalar(None, pa.string())
    local = pc.if_else(pc.match_substring(domain, "."), local, nothing)
    local = pc.list_element(pc.split_pattern(local, "+", max_splits=1), 0)
    domain = _correct_provider_typos(domain)
    gmail = pc.is_in(domain, pa.array(list(_GMAIL_DOMAINS)))
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    key = pc.binary_join_element_wise(local, domain, "@")
    key = pc.if_else(pc.equal(pc.utf8_length(local), 0), pa.scalar(None, pa.string()), key)
    return key.to_numpy(zero_copy_only=False)


#: The large mailbox providers, whose domains people mistype at sign-up (`gmial.com`,
#: `hotmial.com`, `yahooo.com`): a domain one edit from exactly one of them, and not itself a
#: provider's, is that provider's (what sign-up forms' "did you mean" checks correct).
_PROVIDER_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
    }
)
#: Real domains one edit from a provider's: never corrected.
_OTHER_REAL_DOMAINS = frozenset({"ymail.com", "mail.com", "gmx.com", "email.com", "rocketmail.com"})


def _correct_provider_typos(domain: pa.Array) -> pa.Array:
    """Map each distinct domain one edit from exactly one provider domain to it (a few thousand
    distinct domains even for millions of addresses, so a Python loop over them is cheap)."""
    fixes = {}
    for d in pc.unique(domain).drop_null().to_pylist():
        if d in _PROVIDER_DOMAINS or d in _OTHER_REAL_DOMAINS or len(d) < 8:
            continue
        near = [p for p in sorted(_PROVIDER_DOMAINS) if one_edit(d, p)]
        if len(near) == 1:
            fixes[d] = near[0]
    if not fixes:
        return domain
    position = pc.index_in(domain, pa.array(list(fixes)))
    corrected = pc.take(pa.array(list(fixes.values())), position)
    return pc.coalesce(corrected, domain)


def one_edit(x: str, y: str) -> bool:
    """At most one Damerau-Levenshtein edit apart (a dropped, added, changed or swapped
    character)."""
    if x == y:
        return True
    if abs(len(x) - len(y)) > 1:
        return False
    if len(x) == len(y):
        diff = [i for i in range(len(x)) if x[i] != y[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and x[diff[0]] == y[diff[1]]
            and x[diff[1]] == y[diff[0]]
        )
    short, long_ = sorted((x, y), key=len)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (`+12125550147`) via Google's libphonenumber; None if it cannot be a number."""
    return normalise_phones([raw], region)[0]


def normalise_phones(values: Iterable[Any], region: str = DEFAULT_REGION) -> np.ndarray:
    """`normalise_phone` for a whole column at once.

    Fast path: plain North American numbers (10 digits, or 11 with the country code 1, with the
    usual punctuation) are what phonenumbers returns for them anyway; parsing millions of them
    with the library would dominate the run time. Everything else (a few per cent) is parsed by
    the library, once per distinct value.
    """
    text = pc.utf8_trim_whitespace(_strings(values))
    out = np.full(len(text), None, dtype=object)
    if region == "US":
        digits = pc.replace_substring_regex(text, r"[ ()\-.+\t]", "")
        with_one = pc.match_substring_regex(digits, r"^1[2-9][0-9]{9}$")
        plain = pc.and_(
            pc.match_substring_regex(digits, r"^[2-9][0-9]{9}$"),
            pc.invert(pc.starts_with(text, "+")),
        )
        national = pc.if_else(
            with_one,
            pc.utf8_slice_codeunits(digits, 1),
            pc.if_else(plain, digits, pa.scalar(None, pa.string())),
        )
        out = pc.binary_join_element_wise(pa.scalar("+1"), national, "").to_numpy(
            zero_copy_only=False
        )
    rest = np.flatnonzero(
        pd.isna(out)
        & pc.greater(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False).astype(bool)
    )
    if len(rest):
        raw = text.to_numpy(zero_copy_only=False)[rest]
        out[rest] = map_unique(raw, lambda t: _parse_phone(t, region))
    return out


def _strings(values: Iterable[Any]) -> pa.Array:
    """A column of text (None or NaN for missing) as an Arrow string array."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: convert value by value
        return pa.array([None if pd.isna(v) else str(v) for v in values], type=pa.string())


@lru_cache(maxsize=65536)
def _parse_phone(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    # A local-only number (7 digits, no area code) would match strangers in other areas.
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_name(raw: str | None) -> str | None:
    """Lower-case ASCII letters only: accents folded, punctuation, spaces and suffixes dropped.

    `O'Brien`, `OBrien` and `o brien` are one key; `Smith Jr.` is `smith`.
    """
    if raw is None:
        return None
    folded = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode().lower()
    tokens = [_NON_LETTERS.sub("", t) for t in folded.replace("-", " ").split()]
    tokens = [t for t in tokens if t]
    while len(tokens) > 1 and tokens[-1] in _NAME_SUFFIXES:
        tokens.pop()
    return "".join(tokens) or None


def normalise_postal_code(raw: str | None) -> str | None:
    """US ZIP to 5 digits: `2134` -> `02134` (lost leading zero), `10001-1234` -> `10001`."""
    if raw is None:
        return None
    text = str(raw).strip()
    head = text.split("-", 1)[0].replace(" ", "")
    if not head.isdigit():
        return None
    if len(head) == 9:  # ZIP+4 without the hyphen
        head = head[:5]
    if 3 <= len(head) <= 5:
        return head.zfill(5)
    return None


#: Street words as the USPS writes them (Publication 28: suffixes and directions), so that
#: `12 Main Street`, `12 main st.` and `12 MAIN ST` are one key.
_STREET_WORDS = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "lane": "ln",
    "drive": "dr",
    "court": "ct",
    "place": "pl",
    "terrace": "ter",
    "circle": "cir",
    "crescent": "cres",
    "parkway": "pkwy",
    "highway": "hwy",
    "square": "sq",
    "trail": "trl",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}
#: Words that start the unit part of an address line (`12 Main St Apt 4B`, `... #4B`): a unit is
#: often written on a second line or left out, so the key is the building's address.
_UNIT_WORDS = {"apt", "apartment", "unit", "suite", "ste", "fl", "floor", "rm", "room", "#"}
_STREET_TOKENS = re.compile(r"#|[a-z0-9]+")


def normalise_street(raw: str | None) -> str | None:
    """The first line of a street address as lower-case words, suffixes and directions
    abbreviated, the unit dropped: `12 Main Street\nApt 4B` and `12 main st #4b` are `12 main st`.
    """
    if raw is None:
        return None
    lines = str(raw).strip().splitlines()
    folded = unicodedata.normalize("NFKD", lines[0] if lines else "")
    tokens = _STREET_TOKENS.findall(folded.encode("ascii", "ignore").decode().lower())
    for i, token in enumerate(tokens):
        if i > 0 and token in _UNIT_WORDS:
            tokens = tokens[:i]
            break
    return " ".join(_STREET_WORDS.get(t, t) for t in tokens if t != "#") or None


def normalise_city(raw: str | None) -> str | None:
    """Lower-case letters and single spaces, accents folded (`St. Louis` -> `st louis`)."""
    if raw is None:
        return None
    folded = unicodedata.normalize("NFKD", str(raw)).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_LETTERS.sub(" ", folded).split()) or None


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def first_name_keys(first_name: str | None) -> frozenset[str]:
    """The name itself and every given name it is a nickname of (`bill` -> {bill, william}).

    Two first names are compatible when their keys intersect: equal names, a nickname and its
    name, or two nicknames of one name (`bill`, `will`).
    """
    if not isinstance(first_name, str) or not first_name:  # None, or pandas' NaN
        return frozenset()
    return frozenset({first_name, *_nicknamer().canonicals_of(first_name)})


@cache
def first_name_class(first_name: str | None) -> str | None:
    """One string per first name such that equal classes are always compatible names.

    A nickname of exactly one given name takes that name (`bill` -> `william`); anything else
    keeps itself. Different classes may still be compatible (`chris` has several given names):
    the guards decide those exactly.
    """
    if not isinstance(first_name, str) or not first_name:
        return None
    canonicals = _nicknamer().canonicals_of(first_name)
    return next(iter(canonicals)) if len(canonicals) == 1 else first_name


def names_compatible(a: str | None, b: str | None) -> bool:
    """Unknown names are compatible with anything; known ones need intersecting keys."""
    if not a or not b:
        return True
    return not first_name_keys(a).isdisjoint(first_name_keys(b))


def map_unique(values: Iterable[Any] | pd.Series, fn: Callable[[Any], Any]) -> np.ndarray:
    """`fn` applied once per distinct non-null value; nulls stay None. Returns an object array."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([fn(v) for v in uniques] + [None], dtype=object)
    return mapped[codes]  # code -1 (null) picks the trailing None


def address_names(value: str, first_name: str, last_name: str | None = None) -> bool:
    """Does the e-mail's local part spell the holder's first name (or the name it is a nickname
    of), or their initial next to their family name? `jane.doe@` and `jdoe@` name Jane Doe; a
    household's `thedoes@` names nobody."""
    local, at, _ = value.partition("@")
    if not at:
        return False
    if any(len(k) >= 3 and k in local for k in first_name_keys(first_name)):
        return True
    letters = _NON_LETTERS.sub("", local)
    return (
        isinstance(last_name, str)
        and len(last_name) >= 3
        and (f"{first_name[0]}{last_name}" in letters or f"{last_name}{first_name[0]}" in letters)
    )
