"""GA4 sessions: browsing, logging in, buying, reading help articles.

A session is generated whole at its start: the events follow each other by seconds to
minutes.  A device's events carry user_id only from its first login on (apps log in on
first use; the web sometimes), so earlier anonymous events belong to whoever logs in later.
Whether a session converts depends on the platform: the Android app's checkout is the
planted weak spot.
"""

from __future__ import annotations

from math import log as _log
from typing import TYPE_CHECKING

from .. import entities as E
from ..catalog import SITE
from ..population import MARKETING, Device, Person
from ..seasons import deal_factor
from ..systems.digital import (
    basket,
    device_tail,
    ecommerce,
    event_line,
    items,
    line_head,
    p_int,
    p_str,
    user_tail,
)
from ..timeutil import ga4_date
from .accounts import SOURCES

if TYPE_CHECKING:
    from .world import World

SEARCH_TERMS = (
    "thermostat",
    "duvet",
    "gift",
    "sale",
    "cast iron",
    "lamp",
    "sweater",
    "return policy",
    "speaker",
    "candles",
    "sheets",
    "outdoor chair",
)
_PLATFORMS = ("WEB", "IOS", "ANDROID")
ANON_DEVICES = (
    (0, "desktop", "Windows"),
    (0, "mobile", "iOS"),
    (0, "mobile", "Android"),
    (1, "mobile", "iOS"),
    (2, "mobile", "Android"),
)


class Browsing:
    def __init__(self, world: World) -> None:
        self.w = world
        c = world.cfg.behaviour.conversion
        f = world.cfg.effects.android_conversion_factor
        self.conversion = (c[0], c[1], c[2] * f)
        self.anon_devices: list[Device] = []
        # pre-rendered event_params / items pieces: GA4 is the bulk of the output
        self.pages = {
            path: "," + p_str("page_location", SITE + path)
            for path in ("/", "/help", "/contact", "/collections/all")
        }
        self.searches = ["," + p_str("search_term", term) for term in SEARCH_TERMS]
        self.item_views: list[tuple[str, str, str]] = []  # (web params, app params, items)
        for prod, var in world.catalog.skus:
            pid = p_int("product_id", prod.id)
            self.item_views.append(
                (
                    f",{pid},{p_str('page_location', f'{SITE}/products/{prod.id}')}",
                    f",{pid}",
                    items(var.sku, var_cents(var.price), 1),
                )
            )
        self.login = "," + p_str("method", "email")
        clock = world.clock
        self._deals = [deal_factor(clock.date(d)) for d in range(clock.days + 30)]

    def deals(self, t: int) -> float:
        day = self.w.clock.day_of(t)
        return self._deals[day] if 0 <= day < len(self._deals) else 1.0

    # ------------------------------------------------------------ entry points
    def session(
        self, p: Person, t: int, *, source: str | None = None, buy_boost: float = 1.0
    ) -> None:
        w = self.w
        devices = p.devices or w.accounts.devices(p, t)
        d = (
            devices[0]
            if len(devices) == 1 or w.rnd.random() < 0.6
            else devices[w.rnd.randrange(len(devices))]
        )
        conv = 0.0
        if p.alive:  # newsletter-only readers rarely buy; when they do, they sign up first
            conv = min(
                0.9,
                self.conversion[d.platform]
                * p.buy
                * p.mult
                * buy_boost
                * self.deals(t)
                * (0.3 if p.kind == MARKETING else 1.0),
            )
        self._session(p, d, t, buys=w.rnd.random() < conv, source=source)

    def help_session(self, p: Person, t: int, reason: str, clicks_contact: bool) -> None:
        w = self.w
        devices = w.accounts.devices(p, t)
        d = devices[w.rnd.randrange(len(devices))]
        self._session(p, d, t, buys=False, help_reason=reason, contact=clicks_contact)

    def anonymous_session(self, t: int, region: str) -> None:
        """A visitor who never identifies; reuses a recent anonymous device now and then."""
        w = self.w
        if self.anon_devices and w.rnd.random() < 0.3:
            d = self.anon_devices[w.rnd.randrange(len(self.anon_devices))]
        else:
            x = w.rnd.random()
            platform, cat, os_ = ANON_DEVICES[0]
            for limit, kind in zip((0.45, 0.8, 0.9, 0.95, 1.01), ANON_DEVICES, strict=True):
                if x < limit:
                    platform, cat, os_ = kind
                    break
            source = SOURCES[w.rnd.randrange(len(SOURCES))]
            d = Device(platform, cat, os_, w.ids.pseudo_id(t), t, source)
            d.json_tail = device_tail(d.pseudo_id, _PLATFORMS[platform], cat, os_, region, source)
            if len(self.anon_devices) < 5000:
                self.anon_devices.append(d)
            else:
                self.anon_devices[w.rnd.randrange(5000)] = d
        self._session(None, d, t, buys=False)

    def anonymous_visit(self, p: Person, t: int) -> None:
        """A future customer looks around before signing up: these events carry no user_id yet."""
        devices = self.w.accounts.devices(p, t)
        self._session(p, devices[0], t, buys=False)

    def signup_session(self, p: Person, t: int) -> None:
        """A new customer registers online (sign_up, then logged in)."""
        devices = self.w.accounts.devices(p, t)
        self._session(p, devices[0], t, buys=False, signup=True)

    # ------------------------------------------------------------ one session
    def _session(
        self,
        p: Person | None,
        d: Device,
        t: int,
        *,
        buys: bool,
        source: str | None = None,
        help_reason: str | None = None,
        contact: bool = False,
        signup: bool = False,
    ) -> None:
        w = self.w
        r = w.rnd.random
        app = d.platform != 0
        d.sessions += 1
        shop_c = p.shop if p is not None else None
        user_id: int | None = None
        if shop_c is not None and d.login_t is not None and d.login_t <= t:
            user_id = shop_c.id  # type: ignore[attr-defined]
        pages = _NO_PAGES if app else self.pages
        landing = pages["/"]
        if source and not app:
            landing = "," + p_str(
                "page_location",
                f"{SITE}/?utm_source=klaviyo&utm_medium=email&utm_campaign={source}",
            )
        out = _SessionLines(w, d, t, user_id)
        ev = out.add
        ev(t, "session_start", landing)
        now = t
        view = "screen_view" if app else "page_view"
        if help_reason is not None:
            articles = w.catalog.articles[help_reason]
            now += 5 + int(r() * 60)
            ev(now, view, pages["/help"])
            for _ in range(1 + (r() < 0.5)):
                a = articles[int(r() * len(articles))]
                now += 10 + int(r() * 110)
                loc = "" if app else "," + p_str("page_location", f"{SITE}/help/articles/{a}")
                ev(now, "view_help_article", f",{p_int('article_id', a)}{loc}")
            if contact:
                now += 5 + int(r() * 60)
                ev(now, "contact_us_click", pages["/contact"])
        else:
            if r() < 0.25:
                now += 5 + int(r() * 60)
                ev(now, "search", self.searches[int(r() * len(self.searches))])
            collections = pages["/collections/all"]
            for _ in range(min(1 + int(-1.25 * _log(1.0 - r())), 8)):
                now += 5 + int(r() * 85)
                ev(now, view, collections)
            pick = w.commerce.pick_sku
            views = self.item_views
            for _ in range(int(-1.1 * _log(1.0 - r())) + (1 if buys else 0)):
                web, app_params, its = views[pick(now)]
                now += 15 + int(r() * 135)
                ev(now, "view_item", app_params if app else web, its)
            if not buys and r() < 0.1:
                now += 5 + int(r() * 85)
                ev(now, "add_to_cart", "", views[pick(now)][2])
        login_at = None
        if p is not None and (signup or (buys and p.kind == MARKETING)):
            now += 20 + int(r() * 100)
            login_at = now
            shop_c = w.accounts.shop_customer(p, now)
            out.identify(shop_c.id)  # the sign_up event already carries the new user_id
            ev(now, "sign_up", self.login)
        elif shop_c is not None and user_id is None and (app or r() < (0.85 if buys else 0.15)):
            now += 5 + int(r() * 60)
            login_at = now
            out.identify(shop_c.id)  # type: ignore[attr-defined]
            ev(now, "login", self.login)
        if login_at is not None and shop_c is not None:
            if d.login_t is None or d.login_t > login_at:
                d.login_t = login_at
            user_id = shop_c.id  # type: ignore[attr-defined]
        purchased = False
        if (
            buys and p is not None and not (app and user_id is None)
        ):  # apps cannot check out as guest
            order = w.commerce.online_order(p, now + 200, d.platform, customer=user_id is not None)
            cart = basket([(li.sku, var_cents(li.price), li.quantity) for li in order.items])
            now += 10 + int(r() * 60)
            ev(now, "add_to_cart", "", cart)
            now += 20 + int(r() * 100)
            ev(now, "begin_checkout", "", cart)
            now = max(now, order.created_t)
            if r() < 0.96:  # consent banners and ad blockers lose a few purchase events
                purchased = True
                ev(
                    now + 1,
                    "purchase",
                    "," + p_str("transaction_id", order.name),
                    ecommerce(order.name, order.total) + cart,
                )
        linked_day = out.close()
        if linked_day is not None and not d.linked and p is not None:
            # (a session generated ahead of time may fall after the window: then no link yet)
            d.linked = w.sink.link("digital", "events", d.pseudo_id, p, linked_day)
        clock = w.clock
        if clock.day_of(t) < clock.days:
            platform = _PLATFORMS[d.platform]
            w.tally.add("conversion", platform, "sessions")
            if purchased:
                w.tally.add("conversion", platform, "purchase_sessions")


class _SessionLines:
    """A session's GA4 lines, rendered as the events happen and handed to the sink per day
    (a session may cross midnight); user_id appears from the login on."""

    __slots__ = (
        "base",
        "clock",
        "day",
        "head",
        "k",
        "lines",
        "linked_day",
        "midnight",
        "sink",
        "tail",
        "utail",
    )

    def __init__(self, w: World, d: Device, t0: int, user_id: int | None) -> None:
        self.sink, self.clock = w.sink, w.clock
        self.base = f"{p_int('ga_session_id', t0)},{p_int('ga_session_number', d.sessions)}"
        self.day = self.clock.day_of(t0)
        self.head = line_head(ga4_date(t0))
        self.midnight = self.clock.midnight(self.day + 1)
        self.tail = d.json_tail
        self.utail = user_tail(user_id, self.tail)
        self.linked_day = self.day if user_id is not None else None
        self.lines: list[str] = []
        self.k = 0

    def identify(self, user_id: int) -> None:
        self.utail = user_tail(user_id, self.tail)
        self.linked_day = -1  # set to the day of the next event

    def add(self, te: int, name: str, params: str, extra: str = "") -> None:
        if te >= self.midnight:
            self.sink.put_many(E.GA4_EVENTS, self.day, self.lines)
            self.lines = []
            self.day = self.clock.day_of(te)
            self.head = line_head(ga4_date(te))
            self.midnight = self.clock.midnight(self.day + 1)
        if self.linked_day == -1:
            self.linked_day = self.day
        self.k += 1
        self.lines.append(
            event_line(
                self.head,
                te * 1_000_000 + (self.k * 137_911 + te * 7) % 1_000_000,
                name,
                self.base + params,
                self.utail,
                extra,
            )
        )

    def close(self) -> int | None:
        """Deliver the rest; returns the day of the first event with a user_id, if any."""
        self.sink.put_many(E.GA4_EVENTS, self.day, self.lines)
        return self.linked_day


_NO_PAGES = {"/": "", "/help": "", "/contact": "", "/collections/all": ""}


def var_cents(price: str) -> int:
    whole, _, frac = price.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])
