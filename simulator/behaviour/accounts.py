"""Creating and updating the records that identify a person in each system.

Every creator is idempotent (returns the existing record) and writes the truth link of a
new record.  Household traps live here: a member who is not the owner of the family e-mail
or landline uses it only in records that also carry their own name (CRM, Stripe), so a
record identified by nothing but a shared value always belongs to its first registrant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import entities as E
from ..ids import ulid
from ..pools import STATE_NAMES
from ..population import GUEST, MARKETING, ONLINE, STORE, Device, Person
from ..systems import billing, crm, shop, support
from ..systems.digital import device_tail

if TYPE_CHECKING:
    from .world import World

SOURCES = (
    ("(direct)", "(none)", "(direct)"),
    ("google", "organic", "(organic)"),
    ("google", "cpc", "brand_search"),
    ("klaviyo", "email", "welcome"),
    ("facebook", "social", "(referral)"),
    ("bing", "organic", "(organic)"),
)
_SOURCE_P = (0.34, 0.3, 0.14, 0.08, 0.09, 0.05)
_CARD_BRANDS = (("visa", 0.52), ("mastercard", 0.26), ("amex", 0.14), ("discover", 0.08))


def owner_registered(p: Person, t: int) -> bool:
    """The household's shared e-mail already appears in a record of its owner by time t, so a
    later record of another member that also carries their own name is the trap, not the claim."""
    owner = p.hh.members[0]
    return any(
        rec is not None and rec_t <= t
        for rec, rec_t in (
            (owner.shop, getattr(owner.shop, "created_t", 0)),
            (owner.crm, getattr(owner.crm, "created_t", 0)),
            (owner.stripe, getattr(owner.stripe, "created", 0)),
        )
    )


class Profile:
    """A Klaviyo profile; it appears in the extract only through its e-mail events."""

    __slots__ = ("bounced", "email", "id", "linked")

    def __init__(self, profile_id: str, email: str) -> None:
        self.id, self.email, self.linked, self.bounced = profile_id, email, False, False


class Accounts:
    def __init__(self, world: World) -> None:
        self.w = world

    # ------------------------------------------------------------ Shopify
    def shop_customer(self, p: Person, t: int) -> shop.ShopCustomer:
        if p.shop is not None:
            return p.shop  # type: ignore[return-value]
        w = self.w
        nz = w.noise
        hh = p.hh
        address = None
        if w.rnd.random() < 0.7:
            address = {
                "address1": hh.street,
                "city": hh.city,
                "province_code": hh.state,
                "zip": hh.zip5,
                "country_code": "US",
                "phone": nz.phone_text(p.phone),
            }
        subscribed = p.subscribed
        invited = (
            p.kind == STORE and w.rnd.random() < 0.5
        )  # staff opened it at the till; not yet accepted
        c = shop.ShopCustomer(
            id=w.ids.shop_customer(),
            email=nz.email(p.email, self_entered=True, optional=False),
            first=nz.first_name(p.first, nickname_weight=0.3),
            last=p.last,
            phone=nz.phone_e164(p.phone, missing=0.4),
            created_t=t,
            updated_t=t,
            state="invited" if invited else "enabled",
            verified=not invited and w.rnd.random() < 0.85,
            tags="loyalty" if p.wants_crm else "",
            consent="subscribed" if subscribed else "not_subscribed",
            consent_t=t if subscribed else None,
            address=address,
        )
        p.shop = c
        p.kind = ONLINE if p.kind == MARKETING else p.kind
        day = w.clock.day_of(t)
        if w.sink.put(E.SHOP_CUSTOMERS, day, shop.customer_line(c)):
            w.sink.link("shop", "customers", c.id, p, day)
        if p.wants_crm:
            self.crm_contact(p, t + w.rnd.randrange(60, 3600), shop_id=c.id)
        if p.subscribed:
            self.profile(p, t)
        return c

    def touch_shop(self, p: Person, t: int, **changes: object) -> None:
        c = p.shop
        if c is None:
            return
        for k, v in changes.items():
            setattr(c, k, v)
        c.updated_t = t  # type: ignore[attr-defined]
        self.w.sink.put_at(E.SHOP_CUSTOMERS, t, shop.customer_line(c))  # type: ignore[arg-type]

    # ------------------------------------------------------------ Salesforce
    def crm_contact(self, p: Person, t: int, shop_id: int | None = None) -> crm.CrmContact:
        if p.crm is not None:
            return p.crm  # type: ignore[return-value]
        w = self.w
        nz = w.noise
        hh = p.hh
        r = w.rnd.random
        email = (
            hh.family_email
            if (p.uses_family_email and owner_registered(p, t) and r() < 0.6)
            else p.email
        )
        owner = hh.members[0]
        landline_known = owner is p or (owner.crm is not None and owner.crm.created_t <= t)  # type: ignore[attr-defined]
        phone = hh.landline if (hh.landline is not None and landline_known) else p.phone
        street = (
            hh.street
            if hh.unit is None
            else (f"{hh.street}\n{hh.unit}" if r() < 0.6 else f"{hh.street} {hh.unit}")
        )
        c = crm.CrmContact(
            id=w.ids.sf_contact_id(),
            first=nz.staff_first_name(p.first, nickname_weight=1.5),
            last=nz.last_name(p.last, p.former_last),
            email=nz.placeholder_email(nz.email(email, staff_typed=True)),
            phone=nz.phone_text(phone),
            mobile=nz.phone_text(p.phone) if r() < 0.6 else None,
            street=street,
            city=hh.city,
            state=hh.state,
            postal=nz.postal(hh.zip5),
            birthdate=p.birthdate,
            opted_out=not p.subscribed,
            tier=None if r() < 0.4 else "Bronze",
            shop_id=shop_id if (shop_id and r() < 0.75) else None,
            created_t=t,
            modified_t=t,
        )
        p.crm = c
        day = w.clock.day_of(t)
        if w.sink.put(E.CRM_CONTACTS, day, crm.contact_row(c)):
            w.sink.link("crm", "contacts", c.id, p, day)
        return c

    def touch_crm(self, p: Person, t: int, **changes: object) -> None:
        c = p.crm
        if c is None or c.deleted:  # type: ignore[attr-defined]
            return
        for k, v in changes.items():
            setattr(c, k, v)
        c.modified_t = t  # type: ignore[attr-defined]
        self.w.sink.put_at(E.CRM_CONTACTS, t, crm.contact_row(c))  # type: ignore[arg-type]

    # ------------------------------------------------------------ Stripe
    def stripe_customer(self, p: Person, t: int) -> billing.StripeCustomer:
        if p.stripe is not None:
            return p.stripe  # type: ignore[return-value]
        w = self.w
        nz = w.noise
        shop_c = p.shop
        use_family = p.uses_family_email and owner_registered(p, t) and w.rnd.random() < 0.3
        email = p.hh.family_email if use_family else p.email
        c = billing.StripeCustomer(
            id=w.ids.stripe_customer_id(),
            email=shop_c.email
            if shop_c is not None and w.rnd.random() < 0.8
            else nz.email(email, optional=False),  # type: ignore[attr-defined]
            name=None
            if w.rnd.random() < 0.03
            else nz.billing_name(nz.first_name(p.first, nickname_weight=0.5), p.last),
            phone=nz.phone_e164(p.phone, missing=0.5),
            created=t,
            postal_code=p.hh.zip5 if w.rnd.random() < 0.8 else None,
            shop_customer_id=shop_c.id if shop_c is not None and w.rnd.random() < 0.7 else None,  # type: ignore[attr-defined]
        )
        p.stripe = c
        day = w.clock.day_of(t)
        if w.sink.put(E.BILLING_CUSTOMERS, day, billing.customer_line(c)):
            w.sink.link("billing", "customers", c.id, p, day)
        return c

    def card(self, p: Person) -> tuple[str, str]:
        if not p.cards or (len(p.cards) < 2 and self.w.rnd.random() < 0.05):
            r = self.w.rnd.random()
            acc = 0.0
            brand = "visa"
            for b, share in _CARD_BRANDS:
                acc += share
                if r < acc:
                    brand = b
                    break
            p.cards.append((brand, f"{self.w.rnd.randrange(10000):04d}"))
        return p.cards[0] if len(p.cards) == 1 or self.w.rnd.random() < 0.7 else p.cards[-1]

    # ------------------------------------------------------------ Zendesk
    def zendesk_user(self, p: Person, t: int, channel: str) -> support.ZendeskUser:
        """The requester record; social users start without e-mail (added when an agent asks)."""
        if p.zd_user is not None:
            return p.zd_user  # type: ignore[return-value]
        w = self.w
        nz = w.noise
        social = channel in ("twitter", "facebook")
        voice = channel == "voice"
        email = (
            None
            if social or (voice and w.rnd.random() < 0.5)
            else nz.email(p.email, optional=False)
        )
        name = f"{nz.first_name(p.first)} {p.last}" if not social else f"{p.first} {p.last[0]}."
        if (
            channel == "email"
            and email
            and w.cfg.noise.email_derived_name
            and w.rnd.random() < w.cfg.noise.email_derived_name
        ):
            name = email.strip().partition("@")[0]  # Zendesk names a requester who wrote in by mail
        u = support.ZendeskUser(
            id=w.ids.zd_user(),
            name=name,
            email=email,
            phone=nz.phone_text(p.phone, optional=False) if voice else None,
            role="end-user",
            external_id=p.crm.id if p.crm is not None and w.rnd.random() < 0.5 else None,  # type: ignore[attr-defined]
            created_t=t,
            updated_t=t,
            time_zone=w.pools.time_zone(p.hh.state),
        )
        p.zd_user = u
        day = w.clock.day_of(t)
        if w.sink.put(E.SUPPORT_USERS, day, support.user_line(u)):
            w.sink.link("support", "users", u.id, p, day)
        return u

    def complete_zendesk_user(self, p: Person, t: int) -> None:
        """An agent adds the e-mail the customer gave in the conversation."""
        u = p.zd_user
        if u is None or u.email is not None:  # type: ignore[attr-defined]
            return
        u.email = self.w.noise.email(p.email, optional=False)  # type: ignore[attr-defined]
        u.updated_t = t  # type: ignore[attr-defined]
        self.w.sink.put_at(E.SUPPORT_USERS, t, support.user_line(u))  # type: ignore[arg-type]

    # ------------------------------------------------------------ Klaviyo
    def profile(self, p: Person, t: int) -> Profile:
        if p.profile is None:
            email = self.w.noise.email(p.email, self_entered=True, optional=False, form=True) or ""
            p.profile = Profile(ulid(t, self.w.rnd), email.strip().lower())
            if t >= self.w.clock.midnight(
                0
            ):  # subscribers from before the window got theirs long ago
                self.w.marketing.welcome(p, t + self.w.rnd.randrange(30, 900))
        return p.profile  # type: ignore[return-value]

    # ------------------------------------------------------------ GA4 devices
    def devices(self, p: Person, t: int) -> list[Device]:
        if p.devices:
            return p.devices
        w = self.w
        r = w.rnd.random
        n = 1 + (r() < 0.45) + (r() < 0.15) if p.kind in (ONLINE, GUEST) else 1
        region = STATE_NAMES.get(p.hh.state, p.hh.state)
        apps_ok = p.kind == ONLINE
        for _ in range(n):
            x = r()
            if x < 0.42 or (not apps_ok and x < 0.6):
                platform, cat, os_ = 0, "desktop", "Windows" if r() < 0.7 else "Macintosh"
            elif x < 0.55 or not apps_ok:
                platform, cat, os_ = 0, "mobile", "iOS" if r() < 0.55 else "Android"
            elif x < 0.78:
                platform, cat, os_ = 1, "mobile", "iOS"
            else:
                platform, cat, os_ = 2, "mobile", "Android"
            s = r()
            acc = 0.0
            source = SOURCES[0]
            for src, share in zip(SOURCES, _SOURCE_P, strict=True):
                acc += share
                if s < acc:
                    source = src
                    break
            first_seen = min(t, p.acq_t)
            d = Device(platform, cat, os_, w.ids.pseudo_id(first_seen), first_seen, source)
            d.json_tail = device_tail(
                d.pseudo_id, ("WEB", "IOS", "ANDROID")[platform], cat, os_, region, source
            )
            if p.existing and p.shop is not None and (platform != 0 or r() < 0.6):
                d.login_t = first_seen  # logged in long before the window
            p.devices.append(d)
        return p.devices
