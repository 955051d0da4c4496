"""Klaviyo e-mail: a welcome mail on subscribing, newsletters and promotions to subscribers.

Opens and clicks follow the send by hours; a click usually starts a GA4 session with the
campaign in its landing URL.  Unsubscribes propagate to Shopify consent and the CRM opt-out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import entities as E
from ..catalog import Campaign
from ..ids import ulid
from ..population import Person
from ..systems.marketing import (
    BOUNCED,
    CLICKED,
    OPENED,
    RECEIVED,
    SPAM,
    UNSUBSCRIBED,
    email_event_row,
)
from ..timeutil import REPEATED_HOURS

if TYPE_CHECKING:
    from .accounts import Profile
    from .world import World

WELCOME = Campaign(-1, "WeLc0m", "Welcome Series - Email 1", "Welcome to Harbor & Pine", 1.0)


class Marketing:
    def __init__(self, world: World) -> None:
        self.w = world

    def _event(self, p: Person, prof: Profile, name: str, t: int, c: Campaign) -> None:
        w = self.w
        if t // 3600 in REPEATED_HOURS:
            t += 3600  # Klaviyo's local timestamps cannot express the repeated autumn hour
        day = w.clock.day_of(t)
        row = email_event_row(ulid(t, w.rnd), prof.id, prof.email, name, t, c)
        if w.sink.put(E.KLAVIYO_EVENTS, day, row) and not prof.linked:
            prof.linked = w.sink.link("marketing", "email_events", prof.id, p, day)

    def welcome(self, p: Person, t: int) -> None:
        self._deliver(p, t, WELCOME, engagement=1.5)

    def send(self, c: Campaign, recipients: list[Person], t_send: int) -> None:
        r = self.w.rnd.random
        for p in recipients:
            self._deliver(p, t_send + int(r() * 1800), c, engagement=p.buy)

    def _deliver(self, p: Person, t: int, c: Campaign, engagement: float) -> None:
        w = self.w
        rnd = w.rnd
        prof = p.profile
        if prof is None or prof.bounced:  # type: ignore[attr-defined]
            return
        r = rnd.random
        if r() < 0.006:
            self._event(p, prof, BOUNCED, t, c)  # type: ignore[arg-type]
            if r() < 0.5:
                prof.bounced = True  # type: ignore[attr-defined]  # a hard bounce suppresses the profile
            return
        self._event(p, prof, RECEIVED, t, c)  # type: ignore[arg-type]
        if r() < min(0.8, 0.3 * engagement):
            t_open = t + int(rnd.expovariate(1 / 14400)) + 60
            self._event(p, prof, OPENED, t_open, c)  # type: ignore[arg-type]
            x = r()
            if x < 0.13:
                t_click = t_open + rnd.randrange(5, 600)
                self._event(p, prof, CLICKED, t_click, c)  # type: ignore[arg-type]
                if rnd.random() < 0.7:
                    w.browsing.session(p, t_click + 3, source=c.campaign_id, buy_boost=2.0)
            elif x < 0.13 + 0.01:
                self.unsubscribe(p, t_open + rnd.randrange(5, 300), c)
            elif x < 0.14 + 0.002:
                self._event(p, prof, SPAM, t_open + rnd.randrange(5, 300), c)  # type: ignore[arg-type]
                self.unsubscribe(p, t_open + rnd.randrange(300, 900), c, event=False)

    def unsubscribe(self, p: Person, t: int, c: Campaign, event: bool = True) -> None:
        w = self.w
        if p.unsub_t is not None:
            return
        if event:
            self._event(p, p.profile, UNSUBSCRIBED, t, c)  # type: ignore[arg-type]
        p.unsub_t = t
        p.subscribed = False
        w.accounts.touch_shop(p, t + 60, consent="unsubscribed", consent_t=t + 60)
        w.accounts.touch_crm(p, t + w.rnd.randrange(3600, 3 * 86400), opted_out=True)
