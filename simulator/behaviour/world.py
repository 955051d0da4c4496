"""One shard of the company, simulated day by day.

Each day: scheduled consequences of earlier experiences take effect, new people arrive,
campaigns go out, and people browse, shop in stores and run into issues.  Daily activity is
drawn for all people at once with numpy (Poisson counts with seasonal and weekday factors);
only the people with something to do are then simulated one by one.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from .. import entities as E
from ..catalog import build_catalog
from ..config import SimulatorConfig
from ..effects import REFUND_BUCKETS, EffectsTally
from ..identity import IdentityNoiser
from ..ids import IdFactory
from ..pools import STATE_NAMES, Pools
from ..population import GUEST, MARKETING, ONLINE, STORE, Person, build_households
from ..seasons import day_factor, times_of_day
from ..sink import Sink
from ..systems import billing, shop, support
from ..timeutil import Clock
from ..truth import TruthWriter
from .accounts import Accounts
from .browsing import Browsing
from .commerce import Commerce
from .marketing import Marketing
from .service import Service
from .surveys import Surveys

OTHER_REASONS = (("billing", 0.35), ("account", 0.35), ("other", 0.3))


class World:
    def __init__(
        self,
        cfg: SimulatorConfig,
        clock: Clock,
        pools: Pools,
        shard: int,
        shards: int,
        seed: int,
        customers: int,
        sink: Sink,
        truth: TruthWriter,
    ) -> None:
        self.cfg, self.clock, self.pools = cfg, clock, pools
        self.shard, self.shards, self.seed = shard, shards, seed
        self.sink, self.truth = sink, truth
        self.catalog = build_catalog(
            seed, clock, cfg.effects.launch_at, cfg.behaviour.campaign_every_days
        )
        self.households = build_households(cfg, pools, clock, shard, shards, customers, seed)
        self.people: list[Person] = [p for hh in self.households for p in hh.members]
        self.ids = IdFactory(shard, shards)
        self.rnd = random.Random(seed)
        self.rng = np.random.default_rng([seed, 3, shard])
        self.noise = IdentityNoiser(cfg.noise, pools.nicknames, self.rnd)
        self.tally = EffectsTally()
        self.charges: dict[int, object] = {}
        self.accounts = Accounts(self)
        self.marketing = Marketing(self)
        self.browsing = Browsing(self)
        self.commerce = Commerce(self)
        self.service = Service(self)
        self.surveys = Surveys(self)
        self.later: dict[int, list[Callable[[], None]]] = {}
        self.today = 0
        n = len(self.people)
        self.index = {p.pid: i for i, p in enumerate(self.people)}
        acq = np.array(
            [-1 if p.existing else clock.day_of(p.acq_t) for p in self.people], dtype=np.int64
        )
        self.acq_day = acq
        self.session_rate = np.array([p.session_rate for p in self.people])
        self.store_rate = np.array([p.store_rate for p in self.people])
        self.alive = np.ones(n, dtype=bool)
        self.mult = np.ones(n)
        self.arrivals: dict[int, list[Person]] = {}
        self.previews: dict[int, list[tuple[int, int]]] = {}  # anonymous visits before signing up
        prng = np.random.default_rng([seed, 4, shard])
        start = clock.midnight(0)
        for p in sorted((p for p in self.people if not p.existing), key=lambda q: (q.acq_t, q.pid)):
            self.arrivals.setdefault(clock.day_of(p.acq_t), []).append(p)
            if p.kind in (ONLINE, GUEST) and prng.random() < 0.6:
                for lead in prng.uniform(0.05, 10.0, int(prng.integers(1, 4))):
                    t = p.acq_t - int(lead * 86400)
                    if t >= start:
                        self.previews.setdefault(clock.day_of(t), []).append((t, self.index[p.pid]))

    # ------------------------------------------------------------ state changes
    def schedule(self, t: int, fn: Callable[[], None]) -> None:
        day = self.clock.day_of(t)
        if day <= self.today:
            fn()
        elif day < self.clock.days:
            self.later.setdefault(day, []).append(fn)

    def set_mult(self, p: Person, m: float) -> None:
        p.mult = m
        self.mult[self.index[p.pid]] = m

    def retire(self, p: Person) -> None:
        p.alive = False
        self.alive[self.index[p.pid]] = False

    def on_issue_resolved(self, p: Person, t: int, fcr: bool) -> None:
        if p.first_issue is not None and p.first_issue[0] <= t:
            return
        p.first_issue = (t, fcr)
        e = self.cfg.effects

        def apply() -> None:
            if p.first_issue == (t, fcr):  # still the first one
                self.set_mult(p, p.mult * (e.first_service_good if fcr else e.first_service_bad))
                p.mood += 0.6 if fcr else -0.6

        self.schedule(t, apply)

    def on_refund(self, p: Person, done: int, bucket: int) -> None:
        p.refunds.append((done, bucket))
        e = self.cfg.effects

        def apply() -> None:
            self.set_mult(p, p.mult * e.refund_repurchase[bucket])
            p.mood -= (0.0, 0.3, 1.0)[bucket]
            if bucket == 2 and self.rnd.random() < 0.25:
                self.retire(p)

        self.schedule(done, apply)

    # ------------------------------------------------------------ a day
    def run_day(self, day: int) -> None:
        self.today = day
        self.rnd.seed(self.seed * 1_000_003 + self.shard * 10_007 + day)
        self.rng = np.random.default_rng([self.seed, 3, self.shard, day])
        if day == 0:
            self._snapshot()
        if self.shard == 0:
            self._company_records(day)
            if self.rnd.random() < self.cfg.behaviour.survey_previews_per_day:
                self.surveys.preview(self.clock.at(day, 9 * 3600 + self.rnd.randrange(0, 9 * 3600)))
        for fn in self.later.pop(day, []):
            fn()
        for t, i in sorted(self.previews.pop(day, [])):
            self.browsing.anonymous_visit(self.people[i], t)
        for p in self.arrivals.pop(day, []):
            self._arrive(p)
        for c in self.catalog.campaigns:
            if c.day == day:
                t_send = self.clock.at(day, 10 * 3600)
                audience = [
                    p
                    for p in self.people
                    if p.profile is not None and p.subscribed and p.acq_t < t_send
                ]
                self.marketing.send(c, audience, t_send)
        self._browse(day)
        self._store_visits(day)
        self._other_issues(day)
        b = self.cfg.behaviour
        if day >= 10 and (day - 10) % b.relationship_every_days == 0:
            self._relationship_wave(day)
        self.sink.flush(day)

    def _times(self, day: int, activity: str, n: int) -> np.ndarray:
        return self.clock.midnight(day) + times_of_day(self.rng, activity, n)

    def _browse(self, day: int) -> None:
        date = self.clock.date(day)
        acquired = self.acq_day < day
        lam = (
            self.session_rate
            * acquired
            * np.where(self.alive, 1.0, 0.3)
            * day_factor(date, "browse")
        )
        counts = self.rng.poisson(lam)
        who = np.repeat(np.nonzero(counts)[0], counts[counts > 0])
        times = self._times(day, "browse", len(who))
        share = self.cfg.behaviour.anonymous_session_share
        n_anon = int(self.rng.poisson(lam.sum() * share / max(1e-9, 1 - share)))
        anon_times = self._times(day, "browse", n_anon)
        regions = self.rng.choice(self.pools.states, size=n_anon, p=self.pools.p_states)
        work = sorted(
            [(int(t), 0, int(i)) for t, i in zip(times, who, strict=True)]
            + [(int(t), 1, k) for k, t in enumerate(anon_times)]
        )
        for t, anon, i in work:
            if anon:
                self.browsing.anonymous_session(t, STATE_NAMES[str(regions[i])])
            else:
                self.browsing.session(self.people[i], t)

    def _store_visits(self, day: int) -> None:
        lam = (
            self.store_rate
            * (self.acq_day < day)
            * self.alive
            * self.mult
            * day_factor(self.clock.date(day), "store")
        )
        who = np.nonzero(self.rng.poisson(lam))[0]
        for t, i in sorted(
            zip(self._times(day, "store", len(who)).tolist(), who.tolist(), strict=True)
        ):
            self.commerce.store_order(self.people[i], t)

    def _other_issues(self, day: int) -> None:
        rate = (
            self.cfg.behaviour.other_issues_per_year
            / 365
            * day_factor(self.clock.date(day), "service")
        )
        who = np.nonzero(self.rng.random(len(self.people)) < rate * (self.acq_day < day))[0]
        reasons = [r for r, _ in OTHER_REASONS]
        picks = self.rng.choice(len(reasons), size=len(who), p=[s for _, s in OTHER_REASONS])
        for t, i, r in sorted(
            zip(
                self._times(day, "service", len(who)).tolist(),
                who.tolist(),
                picks.tolist(),
                strict=True,
            )
        ):
            p = self.people[i]
            if p.shop is not None or p.crm is not None or p.stripe is not None:
                self.service.open_issue(p, t, reasons[r])

    def _relationship_wave(self, day: int) -> None:
        b = self.cfg.behaviour
        picks = self.rng.random(len(self.people)) < b.relationship_sample
        t0 = self.clock.at(day, 11 * 3600)
        for i in np.nonzero(picks & (self.acq_day < day))[0].tolist():
            p = self.people[i]
            if p.links and p.email and p.kind != MARKETING:
                self.surveys.relationship(p, t0 + self.rnd.randrange(0, 4 * 3600))

    # ------------------------------------------------------------ arrivals
    def _arrive(self, p: Person) -> None:
        t = p.acq_t
        if p.kind == ONLINE:
            self.browsing.signup_session(p, t)
        elif p.kind == GUEST:
            self.browsing.session(p, t, buy_boost=50.0)  # first purchase makes them known
            if p.subscribed:
                self.accounts.profile(p, t + 120)
        elif p.kind == STORE:
            t_store = self.clock.midnight(self.clock.day_of(t)) + int(
                self.rng.integers(10 * 3600, 20 * 3600)
            )
            self.commerce.store_order(p, t_store)
            if p.subscribed:
                self.accounts.profile(p, t_store + 600)
            if self.rnd.random() < 0.3:  # staff invite the shopper to an online account, days later
                t_shop = t_store + int(self.rng.integers(3600, 20 * 86400))
                self.schedule(t_shop, lambda p=p, t=t_shop: self.accounts.shop_customer(p, t))
        else:
            self.accounts.profile(p, t)

    def _snapshot(self) -> None:
        """Day 0 carries the records of people who were customers before the window."""
        acc = self.accounts
        r = self.rnd.random
        for p in self.people:
            if not p.existing:
                continue
            t = p.acq_t
            if p.kind == ONLINE or (p.kind == STORE and r() < 0.3):
                acc.shop_customer(p, t)
            if p.kind == STORE or p.wants_crm:
                acc.crm_contact(p, t + 300, shop_id=p.shop.id if p.shop is not None else None)  # type: ignore[attr-defined]
            before = self.clock.midnight(0) - 3600  # everything in the snapshot predates the window
            if p.kind in (ONLINE, GUEST) and r() < 0.8:
                later = int(self.rng.integers(60, 200 * 86400)) if p.kind == ONLINE else 0
                acc.stripe_customer(p, min(t + later, before))
            if p.kind != MARKETING and r() < 0.12:
                acc.zendesk_user(
                    p, min(t + int(self.rng.integers(86400, 300 * 86400)), before), "email"
                )
            if p.subscribed:
                acc.profile(p, t)
            if (
                p.stripe is not None and r() < 0.004
            ):  # a few Stripe customers are deleted (GDPR requests)
                self.schedule(
                    self.clock.at(int(self.rng.integers(1, max(2, self.clock.days))), 50_000),
                    lambda p=p: self._delete_stripe(p),
                )
            if (
                p.crm is not None and r() < 0.004
            ):  # the CRM's duplicate-cleanup deletes a few contacts
                acc.touch_crm(
                    p,
                    self.clock.at(int(self.rng.integers(1, max(2, self.clock.days))), 40_000),
                    deleted=True,
                )

    def _delete_stripe(self, p: Person) -> None:
        c = p.stripe
        if c is not None:
            self.sink.put(E.BILLING_CUSTOMERS, self.today, billing.deleted_customer_line(c))  # type: ignore[arg-type]
            p.stripe = None  # a later purchase creates a new customer

    def _company_records(self, day: int) -> None:
        """Products (with the launch), Zendesk groups and staff users: shard 0 writes them."""
        sink = self.sink
        clock = self.clock
        cat = self.catalog
        if day == 0:
            for gid, name in cat.groups:
                sink.put(
                    E.SUPPORT_GROUPS,
                    0,
                    support.group_line(gid, name, cat.group_created_t, cat.group_created_t),
                )
            for a in cat.agents:
                u = support.ZendeskUser(
                    a.zd_id,
                    a.name,
                    a.email,
                    None,
                    a.role,
                    None,
                    a.created_t,
                    a.created_t,
                    "Eastern Time (US & Canada)",
                )
                sink.put(E.SUPPORT_USERS, 0, support.user_line(u))
        price_at = self.commerce.price_at
        for prod in cat.products:
            created_day = clock.day_of(prod.created_t)
            if created_day == day or (day == 0 and created_day < 0):
                sink.put(E.SHOP_PRODUCTS, day, shop.product_line(prod, prod.created_t))
            for when, kind, value in prod.changes:
                if clock.day_of(when) != day:
                    continue
                if kind == "launch":
                    prod.status, prod.published_t = "active", when
                elif kind == "status":
                    prod.status = str(value)
                prices = [shop.money(price_at(prod, v, when)) for v in prod.variants]
                sink.put(E.SHOP_PRODUCTS, day, shop.product_line(prod, when, prices))

    # ------------------------------------------------------------ end of the shard
    def finish(self) -> None:
        end = self.clock.end
        for p in self.people:
            if p.first_issue is not None and p.first_issue[0] < end:
                bucket = "fcr" if p.first_issue[1] else "not_fcr"
                self.tally.add("first_service", bucket, "customers")
                if p.last_order_t > p.first_issue[0]:
                    self.tally.add("first_service", bucket, "ordered_after")
            done = [r for r in p.refunds if r[0] < end]
            if done:
                t, b = min(done)
                self.tally.add("refund_repurchase", REFUND_BUCKETS[b], "customers")
                if p.last_order_t > t:
                    self.tally.add("refund_repurchase", REFUND_BUCKETS[b], "ordered_after")
        self.truth.persons(self.people)
