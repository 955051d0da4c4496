"""Name, address and contact pools, built once per run from faker's data and `nicknames`.

Calling faker per row is far too slow for millions of people, so the pools are arrays that
the population draws from with numpy.  Everything is seeded, and set-valued lookups are
sorted, so the pools are identical in every worker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker
from faker.providers.address.en_US import Provider as AddressProvider
from faker.providers.person.en_US import Provider as PersonProvider
from nicknames import NickNamer

# Where the company's customers live: the stores are in the New York area.
STATE_WEIGHT = {"NY": 0.24, "NJ": 0.12, "CT": 0.05, "MA": 0.06, "PA": 0.08}
AREA_CODES = {
    "NY": (212, 347, 646, 718, 917, 516, 631, 914, 585, 716),
    "NJ": (201, 732, 973, 908, 609, 856),
    "CT": (203, 860, 475),
    "MA": (617, 781, 508, 978, 413),
    "PA": (215, 267, 412, 610, 717, 484),
    "CA": (213, 310, 415, 408, 619, 714),
    "TX": (214, 512, 713, 210, 817),
    "FL": (305, 407, 813, 954, 561),
    "IL": (312, 773, 847, 630),
}
OTHER_AREA_CODES = (
    404,
    480,
    503,
    602,
    702,
    206,
    303,
    615,
    704,
    919,
    614,
    313,
    612,
    314,
    816,
    504,
    801,
)
TIME_ZONES = {
    "CA": "Pacific Time (US & Canada)",
    "WA": "Pacific Time (US & Canada)",
    "OR": "Pacific Time (US & Canada)",
    "NV": "Pacific Time (US & Canada)",
    "AZ": "Arizona",
    "CO": "Mountain Time (US & Canada)",
    "UT": "Mountain Time (US & Canada)",
    "NM": "Mountain Time (US & Canada)",
    "TX": "Central Time (US & Canada)",
    "IL": "Central Time (US & Canada)",
    "MN": "Central Time (US & Canada)",
    "MO": "Central Time (US & Canada)",
    "AK": "Alaska",
    "HI": "Hawaii",
}
EMAIL_DOMAINS = (
    ("gmail.com", 0.42),
    ("yahoo.com", 0.12),
    ("outlook.com", 0.08),
    ("hotmail.com", 0.06),
    ("icloud.com", 0.09),
    ("aol.com", 0.03),
    ("comcast.net", 0.03),
    ("verizon.net", 0.02),
    ("protonmail.com", 0.02),
    ("mail.com", 0.02),
    ("optonline.net", 0.03),
    ("me.com", 0.04),
    ("live.com", 0.04),
)
STREET_TYPES = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Pl", "Way", "Ter")
CITIES_PER_STATE = 30


@dataclass(frozen=True)
class Pools:
    first_female: np.ndarray  # str objects
    first_male: np.ndarray
    p_female: np.ndarray
    p_male: np.ndarray
    last: np.ndarray
    p_last: np.ndarray
    nicknames: dict[str, tuple[str, ...]]
    streets: np.ndarray
    states: np.ndarray
    p_states: np.ndarray
    cities: dict[str, tuple[str, ...]]
    zip_ranges: dict[str, tuple[int, int]]
    area_codes: dict[str, tuple[int, ...]]
    domains: np.ndarray
    p_domains: np.ndarray

    def time_zone(self, state: str) -> str:
        return TIME_ZONES.get(state, "Eastern Time (US & Canada)")


def _state_names() -> dict[str, str]:
    abbr = list(AddressProvider.states_abbr)
    names = list(AddressProvider.states)
    names.insert(abbr.index("DC"), "District of Columbia")  # faker lists DC's code but not its name
    return dict(zip(abbr, names, strict=True))


STATE_NAMES = _state_names()


def _weighted(od: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    names = np.array(list(od.keys()), dtype=object)
    p = np.array(list(od.values()), dtype=float)
    return names, p / p.sum()


def build_pools(seed: int) -> Pools:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = np.random.default_rng([seed, 101])
    first_female, p_female = _weighted(PersonProvider.first_names_female)
    first_male, p_male = _weighted(PersonProvider.first_names_male)
    last, p_last = _weighted(PersonProvider.last_names)

    namer = NickNamer()
    nicknames: dict[str, tuple[str, ...]] = {}
    for name in list(first_female) + list(first_male):
        nicks = sorted(n.capitalize() for n in namer.nicknames_of(name.lower()) if len(n) > 2)
        if nicks:
            nicknames[name] = tuple(nicks)

    bases = sorted(set(PersonProvider.last_names) | set(PersonProvider.first_names_male))
    streets = np.array(
        [
            f"{b} {STREET_TYPES[i % len(STREET_TYPES)]}"
            for i, b in enumerate(rng.permutation(bases))
        ],
        dtype=object,
    )

    states = sorted(AddressProvider.states_abbr)  # the 50 states and DC (no territories)
    other = (1.0 - sum(STATE_WEIGHT.values())) / (len(states) - len(STATE_WEIGHT))
    p_states = np.array([STATE_WEIGHT.get(s, other) for s in states])
    cities = {s: tuple(fake.city() for _ in range(CITIES_PER_STATE)) for s in states}
    zip_ranges = {s: tuple(AddressProvider.states_postcode[s]) for s in states}
    area = {s: AREA_CODES.get(s, OTHER_AREA_CODES) for s in states}
    domains = np.array([d for d, _ in EMAIL_DOMAINS], dtype=object)
    p_domains = np.array([w for _, w in EMAIL_DOMAINS])
    return Pools(
        first_female,
        first_male,
        p_female,
        p_male,
        last,
        p_last,
        nicknames,
        streets,
        np.array(states, dtype=object),
        p_states / p_states.sum(),
        cities,
        zip_ranges,
        area,
        domains,
        p_domains / p_domains.sum(),
    )
