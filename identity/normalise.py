"""Identifiers to comparable keys: e-mail, phone (E.164), names, nicknames, US postal codes.

Each normaliser takes one raw value and returns its key, or None when nothing usable is left.
`map_unique` applies one to a column through its distinct values, which is what keeps this fast
at millions of records (most values repeat across systems).
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
from nicknames import NickNamer

DEFAULT_REGION = "US"

# Gmail ignores dots in the local part and both domains are one mailbox.
_GMAIL_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
_WHITESPACE = re.compile(r"\s+")
_NON_LETTERS = re.compile(r"[^a-z]+")
_NAME_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
# Characters people and staff type around a phone number; anything else goes to phonenumbers.
_PHONE_PUNCTUATION = str.maketrans("", "", " ()-.+\t")


def normalise_email(raw: str | None) -> str | None:
    """Lower-case, no whitespace, no `+tag`; for Gmail also no dots and one domain.

    Sub-address tags are dropped for every domain: the major providers deliver `a+x@` to `a@`,
    and a tag never tells two people apart.
    """
    if raw is None:
        return None
    email = _WHITESPACE.sub("", str(raw)).lower()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    local = local.split("+", 1)[0]
    if domain in _GMAIL_DOMAINS:
        domain = _GMAIL_DOMAINS[domain]
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


def normalise_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """E.164 (`+12125550147`) via Google's libphonenumber; None if it cannot be a number.

    Fast path: plain North American numbers (10 digits, or 11 with the country code 1, with the
    usual punctuation) are what phonenumbers returns for them anyway; parsing millions of them
    with the library would dominate the run time. Everything else is parsed by the library.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    if region == "US":
        digits = text.translate(_PHONE_PUNCTUATION)
        if digits.isdigit():
            if len(digits) == 11 and digits[0] == "1":
                digits = digits[1:]
            elif text.startswith("+"):  # an international number other than +1
                digits = ""
            if len(digits) == 10 and digits[0] in "23456789":
                return "+1" + digits
    return _parse_phone(text, region)


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
