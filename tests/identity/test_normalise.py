"""Normalisers: each identifier to the key records are compared on."""

from __future__ import annotations

import random

import pandas as pd
import phonenumbers
import pytest

from identity.normalise import (
    first_name_class,
    first_name_keys,
    map_unique,
    names_compatible,
    normalise_city,
    normalise_email,
    normalise_name,
    normalise_phone,
    normalise_postal_code,
    normalise_street,
    one_edit,
)
from identity.records import text_objects


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (" John.Smith@Gmail.com\t", "johnsmith@gmail.com"),
        ("j.o.h.n.smith+shop@googlemail.com", "johnsmith@gmail.com"),
        ("JOHN.SMITH@YAHOO.COM", "john.smith@yahoo.com"),  # dots only matter outside Gmail
        ("bob+news@outlook.com", "bob@outlook.com"),
        ("a b@example.org", "ab@example.org"),
        ("not an address", None),
        ("@example.com", None),
        ("x@localhost", None),
        ("+tag@example.com", None),
        (None, None),
        # a mistyped provider domain is the provider's (then Gmail's dots go too)
        ("cynthia.terry@gmial.com", "cynthiaterry@gmail.com"),
        ("ann@hotmial.com", "ann@hotmail.com"),
        ("ann@yahooo.com", "ann@yahoo.com"),
        # real domains one edit from a provider's, and short ones, stay as they are
        ("ann@ymail.com", "ann@ymail.com"),
        ("ann@mail.com", "ann@mail.com"),
        ("ann@gmai.co", "ann@gmai.co"),
    ],
)
def test_email(raw: str | None, key: str | None) -> None:
    assert normalise_email(raw) == key


@pytest.mark.parametrize(
    "raw",
    [
        "(212) 555-0147",
        "212.555.0147",
        "+1 212 555 0147",
        "2125550147",
        "1-212-555-0147",
        "+12125550147",
        " 212 555 0147 ",
    ],
)
def test_phone_formats_of_one_number(raw: str) -> None:
    assert normalise_phone(raw) == "+12125550147"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+44 20 7946 0958", "+442079460958"),  # not North American: the library parses it
        ("555-0147", None),  # local number without area code: would match strangers
        ("phone", None),
        ("", None),
        (None, None),
    ],
)
def test_phone_other_cases(raw: str | None, key: str | None) -> None:
    assert normalise_phone(raw) == key


def test_phone_fast_path_agrees_with_libphonenumber() -> None:
    """The fast path for plain North American numbers must give exactly what the library gives."""
    rnd = random.Random(7)
    formats = (
        "({a}) {b}-{c}",
        "{a}.{b}.{c}",
        "+1 {a} {b} {c}",
        "{a}{b}{c}",
        "1-{a}-{b}-{c}",
        "{a} {b} {c}",
        "+1{a}{b}{c}",
    )
    for _ in range(2000):
        a = f"{rnd.randrange(200, 1000)}"
        b = f"{rnd.randrange(0, 1000):03d}"
        c = f"{rnd.randrange(0, 10000):04d}"
        raw = rnd.choice(formats).format(a=a, b=b, c=c)
        parsed = phonenumbers.parse(raw, "US")
        expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert normalise_phone(raw) == expected, raw


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("José", "jose"),
        ("O'Brien", "obrien"),
        ("Smith Jr.", "smith"),
        ("de la Cruz", "delacruz"),
        ("Mary-Ann", "maryann"),
        ("  ", None),
        (None, None),
        ("Zoë", "zoe"),
    ],
)
def test_name(raw: str | None, key: str | None) -> None:
    assert normalise_name(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("2134", "02134"),
        ("02134", "02134"),
        ("10001-1234", "10001"),
        ("100011234", "10001"),
        ("501", "00501"),
        ("2134-5678", "02134"),
        ("ABC 12", None),
        ("123456", None),
        (None, None),
    ],
)
def test_postal_code(raw: str | None, key: str | None) -> None:
    assert normalise_postal_code(raw) == key


def test_nicknames_are_compatible_with_their_names_and_each_other() -> None:
    assert {"bill", "william"} <= first_name_keys("bill")
    assert names_compatible("bill", "william")
    assert names_compatible("bill", "will")  # two nicknames of one name
    assert names_compatible("william", "william")
    assert not names_compatible("william", "mary")
    assert not names_compatible("christopher", "christine")  # `chris` would fit both, they do not
    assert names_compatible(None, "mary")  # an unknown name contradicts nothing


def test_name_class_is_shared_only_by_compatible_names() -> None:
    assert first_name_class("william") == "william"
    assert first_name_class(None) is None
    names = ["bill", "will", "william", "liz", "elizabeth", "beth", "mary", "chris", "peggy"]
    for a in names:
        for b in names:
            if first_name_class(a) == first_name_class(b):
                assert names_compatible(a, b), (a, b)


def test_map_unique_keeps_nulls_and_order() -> None:
    calls: list[str] = []

    def upper(v: str) -> str:
        calls.append(v)
        return v.upper()

    out = map_unique(["a", None, "b", "a"], upper)
    assert list(out) == ["A", None, "B", "A"]
    assert sorted(calls) == ["a", "b"]  # once per distinct value


@pytest.mark.parametrize("dtype", ["string", "str", object])
def test_text_objects_hold_one_python_string_per_distinct_value(dtype: object) -> None:
    """The identity frames' text as Python strings without a copy per row (D082): equal values
    are one object, nulls are None, the order is the column's."""
    column = pd.Series(["shop", None, "crm", "shop", "", "crm"], dtype=dtype)  # type: ignore[call-overload]
    out = text_objects(column)
    assert out.dtype == object
    assert list(out) == ["shop", None, "crm", "shop", "", "crm"]
    assert out[0] is out[3] and out[2] is out[5]
    assert out[1] is None
    assert len(text_objects(column.iloc[:0])) == 0


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("12 Main Street\nApt 4B", "12 main st"),  # Salesforce: the unit on a second line
        ("12 main st. #4b", "12 main st"),
        ("12 MAIN ST Apt 4B", "12 main st"),
        ("562 North Delegate Avenue", "562 n delegate ave"),
        ("Unit 4, 12 Main St", "unit 4 12 main st"),  # a leading unit word stays
        ("  ", None),
        (None, None),
    ],
)
def test_street(raw: str | None, key: str | None) -> None:
    assert normalise_street(raw) == key


def test_city() -> None:
    assert normalise_city(" St. Louis ") == "st louis"
    assert normalise_city("Coeur d'Alene") == "coeur d alene"
    assert normalise_city("  ") is None


@pytest.mark.parametrize(
    ("x", "y", "near"),
    [
        ("liam", "lam", True),
        ("pia", "pai", True),
        ("smith", "smyth", True),
        ("smith", "smith", True),
        ("smith", "simths", False),
        ("ab", "abcd", False),
    ],
)
def test_one_edit(x: str, y: str, near: bool) -> None:
    assert one_edit(x, y) is near and one_edit(y, x) is near
