"""The company itself: products (with the mid-window launch), stores, service departments,
agents and the marketing calendar.  Identical in every shard (derived from the seed only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from faker.providers.person.en_US import Provider as PersonProvider

from .ids import scramble
from .seasons import thanksgiving
from .timeutil import Clock

BRAND = "Harbor & Pine"
SITE = "https://www.harborandpine.com"
STAFF_DOMAIN = "harborandpine.com"

_TYPES = {
    "Kitchen": (
        ("Cast Iron", "Ceramic", "Copper", "Bamboo", "Stoneware"),
        ("Skillet", "Dutch Oven", "Knife Set", "Mixing Bowls", "Kettle", "Cutting Board"),
        (18, 160),
    ),
    "Home Decor": (
        ("Linen", "Rattan", "Oak", "Brass", "Marble"),
        ("Table Lamp", "Mirror", "Vase", "Throw Pillow", "Wall Clock", "Candle Set"),
        (15, 220),
    ),
    "Bedding": (
        ("Organic Cotton", "Flannel", "Percale", "Sateen", "Wool"),
        ("Sheet Set", "Duvet Cover", "Quilt", "Pillow", "Blanket"),
        (35, 260),
    ),
    "Outdoor": (
        ("Teak", "All-Weather", "Folding", "Solar", "Canvas"),
        ("Lounge Chair", "Lantern", "Planter", "Hammock", "Umbrella"),
        (25, 480),
    ),
    "Apparel": (
        ("Merino", "Fleece", "Waxed", "Chambray", "Cashmere"),
        ("Sweater", "Jacket", "Shirt", "Beanie", "Scarf"),
        (20, 240),
    ),
    "Electronics": (
        ("Smart", "Wireless", "Portable", "Compact", "Digital"),
        ("Speaker", "Kitchen Scale", "Air Purifier", "Light Strip", "Charger"),
        (25, 300),
    ),
}
_VARIANTS = {
    "Apparel": ("S", "M", "L", "XL"),
    "Bedding": ("Twin", "Queen", "King"),
    "Home Decor": ("White", "Natural", "Black"),
    "Outdoor": ("Green", "Sand", "Charcoal"),
}
GROUPS = ("Tier 1", "Billing", "Technical", "Returns", "Escalations")
QUEUES = ("General", "Billing", "Technical Support", "Returns", "Escalations")
AGENTS_PER_GROUP = (12, 6, 8, 6, 4)
REASONS = ("order_status", "refund", "product_help", "billing", "account", "other")
# department that owns each contact reason
REASON_DEPT = {
    "order_status": 0,
    "refund": 3,
    "product_help": 2,
    "billing": 1,
    "account": 0,
    "other": 0,
}
STORES = (
    "SoHo",
    "Upper West Side",
    "Brooklyn Heights",
    "Hoboken",
    "Stamford",
    "Boston Seaport",
    "Philadelphia Rittenhouse",
    "Garden City",
    "Paramus",
    "White Plains",
    "Princeton",
    "Greenwich",
)


@dataclass(slots=True)
class Variant:
    id: int
    sku: str
    price: str
    title: str


@dataclass(slots=True)
class Product:
    id: int
    title: str
    product_type: str
    vendor: str
    created_t: int
    published_t: int | None
    status: str
    variants: list[Variant]
    # (time, field, value) changes within the window: price changes, archiving, launch
    changes: list[tuple[int, str, object]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Agent:
    zd_id: int
    name: str
    email: str
    username: str
    dept: int
    role: str
    created_t: int


@dataclass(frozen=True, slots=True)
class Campaign:
    day: int
    campaign_id: str
    name: str
    subject: str
    audience: float  # share of subscribed profiles it is sent to


@dataclass
class Catalog:
    products: list[Product]
    launch: Product
    launch_day: int
    skus: list[tuple[Product, Variant]]  # every sellable variant
    popularity: np.ndarray  # selection weight per sku (launch sku excluded, handled apart)
    launch_index: int
    store_ids: tuple[int, ...]
    groups: list[tuple[int, str]]
    group_created_t: int
    agents: list[Agent]
    agents_by_dept: list[list[Agent]]
    campaigns: list[Campaign]
    articles: dict[str, tuple[int, ...]]


def build_catalog(seed: int, clock: Clock, launch_at: float, campaign_every: int) -> Catalog:
    rng = np.random.default_rng([seed, 7])
    long_ago = clock.midnight(-900)
    products: list[Product] = []
    skus: list[tuple[Product, Variant]] = []
    pid, vid = 8_200_000_000_000, 44_100_000_000_000
    for t_index, (ptype, (adjs, nouns, (lo, hi))) in enumerate(_TYPES.items()):
        for k in range(8):
            pid += 1
            title = f"{adjs[int(rng.integers(len(adjs)))]} {nouns[k % len(nouns)]}"
            base = float(np.round(rng.uniform(lo, hi))) - 0.01
            names = _VARIANTS.get(ptype, ("Default Title",))
            variants = []
            for vi, vname in enumerate(names[: int(rng.integers(1, len(names) + 1))]):
                vid += 1
                sku = f"HP-{ptype[:3].upper()}-{t_index * 100 + k:04d}-{vi + 1:02d}"
                variants.append(
                    Variant(vid, sku, f"{base + 10 * (vi if ptype == 'Bedding' else 0):.2f}", vname)
                )
            created = long_ago + int(rng.integers(0, 600 * 86400))
            p = Product(pid, title, ptype, BRAND, created, created + 3600, "active", variants)
            products.append(p)
            skus.extend((p, v) for v in variants)
    # a few price changes and one product discontinued during the window
    for p in [products[int(i)] for i in rng.choice(len(products), 5, replace=False)]:
        day = int(rng.integers(1, max(2, clock.days)))
        p.changes.append((clock.at(day, 9 * 3600 + int(rng.integers(0, 7200))), "price", 0.85))
    archived = products[int(rng.integers(len(products)))]
    archived.changes.append(
        (clock.at(max(1, int(clock.days * 0.8)), 8 * 3600), "status", "archived")
    )

    launch_day = min(max(1, int(clock.days * launch_at)), max(1, clock.days - 1))
    vid += 1
    pid += 1
    launch_variant = Variant(vid, "HP-ELE-0900-01", "179.00", "Default Title")
    launch = Product(
        pid,
        "Nimbus Smart Thermostat",
        "Electronics",
        BRAND,
        clock.at(launch_day - 1, 10 * 3600) - 13 * 86400,
        None,
        "draft",
        [launch_variant],
    )
    launch.changes.append((clock.at(launch_day, 6 * 3600), "launch", None))
    products.append(launch)
    skus.append((launch, launch_variant))
    popularity = 1.0 / np.arange(1, len(skus) + 1) ** 0.8
    popularity = rng.permutation(popularity)
    popularity[-1] = 0.0  # the launch sku is drawn separately
    popularity /= popularity.sum()

    group_created = clock.midnight(-1200)
    groups = [(360_000_100_000 + i, g) for i, g in enumerate(GROUPS)]
    agents: list[Agent] = []
    by_dept: list[list[Agent]] = [[] for _ in GROUPS]
    first = sorted(PersonProvider.first_names_female) + sorted(PersonProvider.first_names_male)
    last = sorted(PersonProvider.last_names)
    zd = 361_000_000_000
    for dept, count in enumerate(AGENTS_PER_GROUP):
        for _ in range(count):
            zd += 7
            f, la = first[int(rng.integers(len(first)))], last[int(rng.integers(len(last)))]
            a = Agent(
                zd,
                f"{f} {la}",
                f"{f.lower()}.{la.lower()}@{STAFF_DOMAIN}",
                f"{f[0].lower()}{la.lower()}",
                dept,
                "agent",
                group_created + int(rng.integers(0, 900)) * 86400,
            )
            agents.append(a)
            by_dept[dept].append(a)
    for name in ("Dana Whitfield", "Marcus Oyelaran", "Priya Natarajan"):
        zd += 7
        f, la = name.split()
        agents.append(
            Agent(
                zd,
                name,
                f"{f.lower()}.{la.lower()}@{STAFF_DOMAIN}",
                f"{f[0].lower()}{la.lower()}",
                0,
                "admin",
                group_created,
            )
        )
    articles = {
        r: tuple(360_050_000_000 + 100 * i + k for k in range(6)) for i, r in enumerate(REASONS)
    }
    return Catalog(
        products,
        launch,
        launch_day,
        skus,
        popularity,
        len(skus) - 1,
        tuple(61_234_567_000 + 17 * i for i in range(len(STORES))),
        groups,
        group_created,
        agents,
        by_dept,
        _campaigns(clock, seed, campaign_every),
        articles,
    )


def _campaigns(clock: Clock, seed: int, every: int) -> list[Campaign]:
    out: list[Campaign] = []
    first_thursday = (3 - clock.start.weekday()) % 7
    topics = (
        "New arrivals",
        "Weekend edit",
        "Care guide",
        "Staff picks",
        "Back in stock",
        "Last chance",
    )
    n = 0
    for day in range(first_thursday, clock.days, every):
        topic = topics[n % len(topics)]
        out.append(
            Campaign(
                day,
                scramble(n, 6, salt=seed % 997),
                f"{clock.date_str(day)} Newsletter - {topic}",
                f"{topic}: picked for you",
                1.0,
            )
        )
        n += 1
    years = sorted({clock.start.year, clock.date(clock.days - 1).year})
    promos = []
    for y in years:
        bf = thanksgiving(y) + dt.timedelta(days=1)
        promos += [
            (bf, "Black Friday", "Black Friday starts now - up to 40% off"),
            (bf + dt.timedelta(days=3), "Cyber Monday", "Cyber Monday, online only"),
            (dt.date(y, 12, 10), "Holiday Gifts", "Gifts they'll actually use"),
            (dt.date(y, 1, 2), "New Year Sale", "New year, fresh start, 25% off"),
            (dt.date(y, 2, 9), "Valentine's", "Made for two"),
            (dt.date(y, 5, 4), "Mother's Day", "For Mom, with love"),
        ]
    for d, name, subject in sorted(promos):
        day = (d - clock.start).days
        if 0 <= day < clock.days:
            out.append(
                Campaign(
                    day,
                    scramble(1000 + n, 6, salt=seed % 997),
                    f"{d.isoformat()} {name}",
                    subject,
                    1.0,
                )
            )
            n += 1
    out.sort(key=lambda c: (c.day, c.campaign_id))
    return out
