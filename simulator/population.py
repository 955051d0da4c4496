"""People in households, acquired over time, with their canonical identifiers and traits.

A shard owns whole households, so everything a household shares (address, family e-mail,
landline) stays inside one worker.  Canonical values are unique across shards: phone numbers
are a bijection of the person/household number, and an e-mail without a disambiguating
number is only used by the shard that "owns" it (crc32 of the address modulo shards).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

import numpy as np

from .config import SimulatorConfig
from .pools import Pools
from .seasons import day_factor
from .timeutil import Clock

ONLINE, GUEST, STORE, MARKETING = 0, 1, 2, 3
KIND_NAMES = ("online", "guest", "store", "marketing")
WEB, IOS, ANDROID = 0, 1, 2
PLATFORMS = ("WEB", "IOS", "ANDROID")
_NXX = [n for n in range(200, 1000) if n % 100 != 11 and n not in (555, 950, 958, 959, 976)]
_PHONE_SPACE = len(_NXX) * 10_000


@dataclass(slots=True)
class Device:
    platform: int
    category: str
    os: str
    pseudo_id: str
    first_seen: int
    source: tuple[str, str, str]  # GA4 traffic_source: first-touch source, medium, campaign
    login_t: int | None = None  # first login on this device (user_id from then on)
    linked: bool = False  # truth link written
    sessions: int = 0
    json_tail: str = ""  # pre-rendered constant part of every GA4 line of this device


@dataclass(slots=True)
class Household:
    hh_id: int
    street: str
    unit: str | None
    city: str
    state: str
    zip5: str
    landline: str | None = None
    family_email: str | None = None
    members: list[Person] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    pid: int
    hh: Household
    first: str
    last: str
    former_last: str | None
    female: bool
    email: str | None
    phone: str
    birthdate: str | None
    kind: int
    acq_t: int
    existing: bool
    session_rate: float  # sessions per day before seasonality
    store_rate: float  # store visits per day
    buy: float  # personal purchase propensity multiplier
    subscribed: bool
    wants_crm: bool
    devices: list[Device] = field(default_factory=list)
    twin_of: int | None = None
    # --- state that changes during the simulation
    alive: bool = True
    mult: float = 1.0  # purchase-rate multiplier from experiences
    mood: float = 0.0  # shifts relationship-survey answers
    shop: object | None = None
    crm: object | None = None
    stripe: object | None = None
    zd_user: object | None = None
    profile: object | None = None
    cards: list[tuple[str, str]] = field(default_factory=list)
    n_orders: int = 0
    last_order_t: int = 0
    first_issue: tuple[int, bool] | None = None  # (resolved at, first-contact resolution)
    refunds: list[tuple[int, int]] = field(default_factory=list)  # (completed at, cycle bucket)
    unsub_t: int | None = None
    links: int = 0

    @property
    def person_id(self) -> str:
        return f"P{self.pid:08d}"

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def uses_family_email(self) -> bool:
        return self.hh.family_email is not None and self.hh.members[0] is not self

    @property
    def owns_landline(self) -> bool:
        return self.hh.landline is not None and self.hh.members[0] is self


def phone_number(n: int, space: int, area_codes: tuple[int, ...]) -> str:
    """Unique 10-digit NANP number for (n, space) while 2n + space < len(_NXX) * 10000."""
    x = ((2 * n + space) * 2_654_435_761) % _PHONE_SPACE
    nxx, line = divmod(x, 10_000)
    area = area_codes[(n * 7 + space) % len(area_codes)]
    return f"{area}{_NXX[nxx]}{line:04d}"


#: Providers that deliver every spelling of a local part without its dots to one mailbox.
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def mailbox(address: str) -> str:
    """The mailbox an address delivers to: `+tag` dropped, and at Gmail the dots too
    (`jane.doe+news@gmail.com` and `janedoe@gmail.com` are one mailbox, so one person's)."""
    local, _, domain = address.lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


class EmailBook:
    """Hands out unique mailboxes (`mailbox`) within a shard and owned-by-shard across shards:
    two people never share an address, nor two Gmail spellings of one."""

    def __init__(self, shard: int, shards: int) -> None:
        self.shard, self.shards = shard, shards
        self.used: set[str] = set()

    def _free(self, address: str) -> bool:
        box = mailbox(address)
        owned = zlib.crc32(box.encode()) % self.shards == self.shard
        return owned and box not in self.used

    def take(self, locals_: list[str], domain: str, unique_suffix: str) -> str:
        for local in locals_:
            address = f"{local}@{domain}"
            if self._free(address):
                self.used.add(mailbox(address))
                return address
        # ".<number>" appears in no other form (at Gmail, without the dot, a name pattern with a
        # two-digit year could: `janedoe12`, hence the check)
        address = f"{locals_[0]}.{unique_suffix}@{domain}"
        while mailbox(address) in self.used:
            address = address.replace("@", "0@", 1)
        self.used.add(mailbox(address))
        return address


def _email_locals(first: str, last: str, rnd: random.Random) -> list[str]:
    f, la = first.lower().replace("'", ""), last.lower().replace("'", "").replace(" ", "")
    yy = rnd.randrange(60, 100) if rnd.random() < 0.5 else rnd.randrange(1, 30)
    patterns = [f"{f}.{la}", f"{f}{la}", f"{f[0]}{la}", f"{f}_{la}", f"{la}.{f}", f"{f}{la[0]}"]
    start = rnd.randrange(len(patterns))
    ordered = patterns[start:] + patterns[:start]
    return [*ordered[:2], f"{ordered[0]}{yy:02d}", f"{ordered[1]}{yy:02d}"]


def build_households(
    cfg: SimulatorConfig,
    pools: Pools,
    clock: Clock,
    shard: int,
    shards: int,
    customers: int,
    seed: int,
) -> list[Household]:
    """Households of one shard; people are numbered k, k + shards, k + 2 * shards, ...

    Every random attribute is drawn in bulk with numpy (per-row faker or numpy scalar calls
    would dominate at a million people); only e-mail patterns use a scalar generator."""
    b = cfg.behaviour
    noise = cfg.noise
    rng = np.random.default_rng([seed, 1, shard])
    rnd = random.Random(seed * 7_919 + shard)
    n = customers // shards + (1 if shard < customers % shards else 0)
    if n == 0:
        return []
    size_p = np.array(b.household_sizes) / sum(b.household_sizes)
    sizes = rng.choice(np.arange(1, len(size_p) + 1), size=n, p=size_p)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n)) + 1]
    sizes[-1] -= int(sizes.sum() - n)
    nh = len(sizes)

    # --- per household
    hh_states = rng.choice(pools.states, size=nh, p=pools.p_states)
    zip_lo = np.array([pools.zip_ranges[s][0] for s in hh_states])
    zip_hi = np.array([pools.zip_ranges[s][1] for s in hh_states])
    zips = zip_lo + (rng.random(nh) * (zip_hi - zip_lo + 1)).astype(np.int64)
    city_k = rng.integers(0, len(next(iter(pools.cities.values()))), nh)
    house_no = rng.integers(1, 9999, nh)
    street_k = rng.integers(0, len(pools.streets), nh)
    unit_no = np.where(rng.random(nh) < 0.3, rng.integers(1, 30, nh), 0)
    unit_letter = rng.integers(0, 4, nh)
    family_last = rng.choice(pools.last, size=nh, p=pools.p_last)
    shared_phone = rng.random(nh) < noise.household_shared_phone
    shared_email = rng.random(nh) < noise.household_shared_email
    family_domain = np.where(rng.random(nh) < 0.6, "gmail.com", "aol.com")

    # --- per person
    female = rng.random(n) < 0.52
    first = np.where(
        female,
        rng.choice(pools.first_female, n, p=pools.p_female),
        rng.choice(pools.first_male, n, p=pools.p_male),
    )
    own_last = np.where(rng.random(n) < 0.25, rng.choice(pools.last, n, p=pools.p_last), None)
    former = np.where(
        rng.random(n) < noise.changed_last_name, rng.choice(pools.last, n, p=pools.p_last), None
    )
    domains = rng.choice(pools.domains, n, p=pools.p_domains)
    kinds = rng.choice(4, size=n, p=np.array(b.kind_shares) / sum(b.kind_shares))
    existing = rng.random(n) < b.existing_share
    # people join on busy days: store shoppers at the weekend, online shoppers during the week
    browse = np.array([day_factor(clock.date(d), "browse") for d in range(clock.days)])
    store = np.array([day_factor(clock.date(d), "store") for d in range(clock.days)])
    acq_day = np.where(
        kinds == STORE,
        rng.choice(clock.days, size=n, p=store / store.sum()),
        rng.choice(clock.days, size=n, p=browse / browse.sum()),
    )
    acq_sec = np.clip(rng.normal(13.5 * 3600, 3.5 * 3600, n), 6 * 3600, 23.5 * 3600).astype(
        np.int64
    )
    past = rng.integers(1, 3 * 365, n)
    rates = rng.lognormal(np.log(b.sessions_per_year), 0.8, n) / 365.0
    store_rates = rng.lognormal(np.log(b.store_visits_per_year), 0.6, n) / 365.0
    buy = rng.lognormal(0.0, 0.45, n)
    u = rng.random((n, 5))
    birth_year = clock.start.year - rng.integers(18, 86, n)
    birth_month = rng.integers(1, 13, n)
    birth_day = rng.integers(1, 29, n)

    cum_female, cum_male = np.cumsum(pools.p_female), np.cumsum(pools.p_male)
    book = EmailBook(shard, shards)
    subscribe_p = (0.55, 0.3, 0.35, 1.0)
    crm_p = (0.35, 0.1, 1.0, 0.05)
    households: list[Household] = []
    i = 0
    for h in range(nh):
        hh_id = shard + shards * h
        state = str(hh_states[h])
        unit = f"Apt {unit_no[h]}{'ABCD'[unit_letter[h]]}" if unit_no[h] else None
        hh = Household(
            hh_id,
            f"{house_no[h]} {pools.streets[street_k[h]]}",
            unit,
            pools.cities[state][city_k[h]],
            state,
            f"{zips[h]:05d}",
        )
        areas = pools.area_codes[state]
        size = int(sizes[h])
        if size > 1 and shared_phone[h]:
            hh.landline = phone_number(hh_id, 1, areas)
        for m in range(size):  # m == 0 is the household head; members sorted by arrival below
            pid = shard + shards * i
            last = str(family_last[h]) if (m == 0 or own_last[i] is None) else str(own_last[i])
            fn = str(first[i])
            tries = 0
            while tries < 20 and any(
                _same_first_name(fn, q.first, pools.nicknames) for q in hh.members
            ):
                # two members whose names could be one person's (Nancy / Ann) would make the
                # shared-e-mail trap unfair: give the later one another name
                pool, cum = (
                    (pools.first_female, cum_female) if female[i] else (pools.first_male, cum_male)
                )
                fn = str(pool[int(np.searchsorted(cum, rnd.random() * cum[-1]))])
                tries += 1
            email = book.take(_email_locals(fn, former[i] or last, rnd), str(domains[i]), str(pid))
            kind = int(kinds[i])
            is_existing = bool(existing[i])
            day0 = -int(past[i]) if is_existing else int(acq_day[i])
            person = Person(
                pid=pid,
                hh=hh,
                first=fn,
                last=last,
                former_last=former[i],
                female=bool(female[i]),
                email=email,
                phone=phone_number(pid, 0, areas),
                birthdate=f"{birth_year[i]}-{birth_month[i]:02d}-{birth_day[i]:02d}"
                if u[i, 1] < 0.6
                else None,
                kind=kind,
                acq_t=clock.midnight(day0) + int(acq_sec[i]),
                existing=is_existing,
                session_rate=float(rates[i]) * (0.25 if kind == MARKETING else 1.0),
                store_rate=float(store_rates[i]) if kind == STORE or u[i, 2] < 0.08 else 0.0,
                buy=float(buy[i]),
                subscribed=bool(u[i, 3] < subscribe_p[kind]),
                wants_crm=bool(u[i, 4] < crm_p[kind]),
            )
            hh.members.append(person)
            i += 1
        # whoever joined first registered the household's shared e-mail/landline: the owner
        hh.members.sort(key=lambda q: (q.acq_t, q.pid))
        if size > 1 and shared_email[h]:
            fam = str(family_last[h]).lower().replace(" ", "").replace("'", "")
            hh.family_email = book.take(
                [f"the{fam}s", f"{fam}family", f"{fam}.home"], str(family_domain[h]), f"h{hh_id}"
            )
            hh.members[
                0
            ].email = hh.family_email  # the owner registered it first: it is their address
        households.append(hh)
    _plant_name_twins(households, rng, noise.name_twins, pools.nicknames)
    return households


def _same_first_name(a: str, b: str, nicknames: dict[str, tuple[str, ...]]) -> bool:
    """Equal, or one is a nickname of the other, or they share a nickname (William / Wilhelm)."""
    if a == b:
        return True
    na, nb = nicknames.get(a, ()), nicknames.get(b, ())
    return b in na or a in nb or bool(set(na) & set(nb))


def _plant_name_twins(
    households: list[Household],
    rng: np.random.Generator,
    rate: float,
    nicknames: dict[str, tuple[str, ...]],
) -> None:
    """Give some people the exact first and last name of an unrelated person."""
    people = [p for hh in households for p in hh.members]
    if len(people) < 4 or rate <= 0:
        return
    k = max(1, round(len(people) * rate))
    picks = rng.choice(len(people), size=(k, 2), replace=True)
    involved: set[int] = set()
    for a, b in picks:
        pa, pb = people[int(a)], people[int(b)]
        if (
            pa.hh is pb.hh
            or pa.pid in involved
            or pb.pid in involved
            or any(
                _same_first_name(pa.first, q.first, nicknames) for q in pb.hh.members if q is not pb
            )
        ):
            continue
        involved.update((pa.pid, pb.pid))
        pb.first, pb.last, pb.female, pb.former_last = pa.first, pa.last, pa.female, None
        pb.twin_of = pa.pid
