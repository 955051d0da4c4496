"""Orders on web, apps and in stores; their payments, fulfilment, delays and refunds.

An order's whole life is drawn when it is placed (fulfilment, transit, delivery, and the
service issues it will cause), and every change re-delivers the order in full: one version
per day on which it changed, as an incremental export does.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from .. import entities as E
from ..catalog import Product, Variant
from ..population import GUEST, Person
from ..systems import billing, shop
from .browsing import var_cents

if TYPE_CHECKING:
    from collections.abc import Callable

    from .world import World

SOURCE_NAMES = ("web", "iphone", "android")
FAILURE_CODES = ("card_declined", "insufficient_funds", "expired_card", "incorrect_cvc")
TAX_RATE = 0.07
LOYALTY_TIERS = {3: "Silver", 6: "Gold", 10: "Platinum"}  # CRM tier after this many orders


class Commerce:
    def __init__(self, world: World) -> None:
        self.w = world
        cat = world.catalog
        self.cum = [float(x) for x in cat.popularity.cumsum()]
        self.launch_t = next(t for t, kind, _ in cat.launch.changes if kind == "launch")
        self.launch_sku = cat.launch.variants[0].sku
        self.launch_share = world.cfg.effects.launch_sales_share
        self.archived = {
            k: next(t for t, kind, _ in prod.changes if kind == "status")
            for k, (prod, _) in enumerate(cat.skus)
            if any(c[1] == "status" for c in prod.changes)
        }

    # ------------------------------------------------------------ catalogue
    def pick_sku(self, t: int) -> int:
        rnd = self.w.rnd
        if t >= self.launch_t and rnd.random() < self.launch_share:
            return self.w.catalog.launch_index
        while True:  # the launch sku has zero weight here; archived products no longer sell
            k = min(bisect.bisect_right(self.cum, rnd.random() * self.cum[-1]), len(self.cum) - 2)
            if k not in self.archived or t < self.archived[k]:
                return k

    @staticmethod
    def price_at(product: Product, variant: Variant, t: int) -> int:
        cents = var_cents(variant.price)
        for when, kind, value in product.changes:
            if kind == "price" and when <= t:
                cents = int(cents * float(value))  # type: ignore[arg-type]
        return cents

    def _basket(self, t: int, max_items: int) -> list[shop.LineItem]:
        w = self.w
        seen: set[int] = set()
        out = []
        for _ in range(1 + int(w.rnd.expovariate(1.6))):
            k = self.pick_sku(t)
            if k in seen:
                continue
            seen.add(k)
            prod, var = w.catalog.skus[k]
            qty = 2 if w.rnd.random() < 0.12 else 1
            out.append(
                shop.LineItem(
                    w.ids.line_item(),
                    prod.id,
                    var.sku,
                    prod.title,
                    qty,
                    shop.money(self.price_at(prod, var, t)),
                )
            )
            if len(out) >= max_items:
                break
        return out

    # ------------------------------------------------------------ placing orders
    def online_order(self, p: Person, t: int, platform: int, *, customer: bool) -> shop.Order:
        w = self.w
        acc = w.accounts
        shop_c = p.shop if customer else None
        email = (
            shop_c.email
            if shop_c is not None
            else w.noise.email(p.email, self_entered=True, optional=False)
        )  # type: ignore[attr-defined]
        # a guest checkout still creates a Stripe customer; registered ones reuse theirs
        stripe_c = (
            acc.stripe_customer(p, t - 30) if (shop_c is not None or p.kind == GUEST) else None
        )
        phone = w.noise.phone_text(p.phone) if w.rnd.random() < 0.3 else None
        o = self._new_order(p, t, SOURCE_NAMES[platform], None, email, phone, shop_c, max_items=4)
        self._charge(p, o, t, stripe_c, email, f"{p.first} {p.last}", p.hh.zip5)
        self._online_life(p, o)
        w.charges.pop(o.id, None)  # every refund of this order has been drawn by now
        return o

    def store_order(self, p: Person, t: int) -> shop.Order:
        w = self.w
        r = w.rnd.random
        if p.crm is None:
            w.accounts.crm_contact(
                p, t - w.rnd.randrange(60, 600)
            )  # staff enrol the shopper at the till
        shop_c = p.shop if (p.shop is not None and r() < 0.5) else None
        email = (
            shop_c.email
            if shop_c is not None
            # type: ignore[attr-defined]
            else w.noise.email(p.email, optional=False)
            if r() < 0.55
            else None
        )
        phone = w.noise.phone_text(p.phone) if r() < 0.2 else None
        store = w.catalog.store_ids[(p.hh.hh_id + (r() < 0.2)) % len(w.catalog.store_ids)]
        o = self._new_order(p, t, "pos", store, email, phone, shop_c, max_items=3)
        self._charge(p, o, t, None, None, f"{p.first} {p.last}".upper(), None)
        f = shop.Fulfillment(w.ids.fulfillment(), t + 5, t + 5, "success", None)
        o.fulfillments.append(f)
        o.updated_t = t + 5
        w.sink.put_at(E.SHOP_ORDERS, t, shop.order_line(o))
        w.truth.order(o, p, delivered_t=t + 5, late_days=0)
        self._after_purchase(p, o, t + 5, late_days=0)
        w.charges.pop(o.id, None)
        return o

    def _new_order(
        self,
        p: Person,
        t: int,
        source: str,
        location: int | None,
        email: str | None,
        phone: str | None,
        shop_c: object | None,
        max_items: int,
    ) -> shop.Order:
        w = self.w
        items = self._basket(t, max_items)
        gross = sum(var_cents(li.price) * li.quantity for li in items)
        discount = int(gross * w.rnd.uniform(0.1, 0.25)) if w.rnd.random() < 0.15 else 0
        subtotal = gross - discount
        n = w.ids.order_number()
        o = shop.Order(
            id=w.ids.shop_order(),
            name=f"#{n}",
            email=email,
            phone=phone,
            created_t=t,
            customer_id=shop_c.id if shop_c is not None else None,  # type: ignore[attr-defined]
            customer_email=shop_c.email if shop_c is not None else None,  # type: ignore[attr-defined]
            source_name=source,
            location_id=location,
            items=items,
            subtotal=subtotal,
            discount=discount,
            tax=round(subtotal * TAX_RATE),
            updated_t=t,
        )
        p.n_orders += 1
        p.last_order_t = max(p.last_order_t, t)
        tier = LOYALTY_TIERS.get(p.n_orders)
        if tier is not None and p.crm is not None:
            w.accounts.touch_crm(p, t + w.rnd.randrange(3600, 2 * 86400), tier=tier)
        if w.rnd.random() < w.cfg.behaviour.dropout_after_order:
            w.retire(p)
        return o

    def _charge(
        self,
        p: Person,
        o: shop.Order,
        t: int,
        stripe_c: billing.StripeCustomer | None,
        email: str | None,
        name: str,
        postal: str | None,
    ) -> None:
        w = self.w
        brand, last4 = w.accounts.card(p)
        cus = stripe_c.id if stripe_c is not None else None
        phone = stripe_c.phone if stripe_c is not None else None
        if w.rnd.random() < 0.03:
            failed = billing.Charge(
                w.ids.stripe_charge_id(),
                o.total,
                t - 90,
                cus,
                "failed",
                FAILURE_CODES[w.rnd.randrange(len(FAILURE_CODES))],
                email,
                name,
                phone,
                postal,
                brand,
                last4,
                o.id,
            )
            w.sink.put_at(E.BILLING_CHARGES, failed.created, billing.charge_line(failed))
        ch = billing.Charge(
            w.ids.stripe_charge_id(),
            o.total,
            t + 2,
            cus,
            "succeeded",
            None,
            email,
            name,
            phone,
            postal,
            brand,
            last4,
            o.id,
        )
        w.sink.put_at(E.BILLING_CHARGES, ch.created, billing.charge_line(ch))
        w.charges[o.id] = ch

    # ------------------------------------------------------------ an online order's life
    def _online_life(self, p: Person, o: shop.Order) -> None:
        w = self.w
        rnd = w.rnd
        b = w.cfg.behaviour
        t0 = o.created_t
        steps: list[tuple[int, Callable[[int], None]]] = []
        if rnd.random() < b.cancel_rate:
            t_cancel = t0 + rnd.randrange(1800, 20 * 3600)

            def cancel(t: int) -> None:
                o.cancelled_t, o.cancel_reason = t, "customer"
                self.refund(
                    o,
                    t,
                    o.total,
                    None,
                    "requested_by_customer",
                    settle_hours=0.0,
                    order_state=False,
                )
                o.financial_status = "refunded"

            self._play(o, [(t0, lambda t: None), (t_cancel, cancel)])
            w.truth.order(o, p, delivered_t=None, late_days=0)
            return
        t_ship = t0 + int(rnd.uniform(0.3, 2.0) * 86400)
        late = rnd.random() < b.late_delivery
        failed = rnd.random() < b.failed_delivery
        transit = rnd.randrange(2, 5) + (rnd.randrange(2, 10) if late else 0)
        t_delivered = t_ship + transit * 86400 + rnd.randrange(-3 * 3600, 5 * 3600)
        f = shop.Fulfillment(w.ids.fulfillment(), t_ship, t_ship, "success", "confirmed")

        def ship(t: int) -> None:
            o.fulfillments.append(f)

        def status(value: str) -> Callable[[int], None]:
            def apply(t: int) -> None:
                f.shipment_status, f.updated_t = value, t

            return apply

        steps = [
            (t0, lambda t: None),
            (t_ship, ship),
            (t_ship + rnd.randrange(8, 30) * 3600, status("in_transit")),
        ]
        if failed:
            t_fail = t_ship + 2 * 86400 + rnd.randrange(0, 86400)
            f2 = shop.Fulfillment(
                w.ids.fulfillment(), t_fail + 3600, t_fail + 3600, "success", "confirmed"
            )

            def reship(t: int) -> None:
                o.fulfillments.append(f2)

            t_delivered = max(t_delivered, t_fail + 3 * 86400)
            late, transit = True, transit + 3
            steps += [(t_fail, status("failure")), (t_fail + 3600, reship)]
            f = f2
        steps += [
            (t_delivered - rnd.randrange(3, 8) * 3600, status("out_for_delivery")),
            (t_delivered, status("delivered")),
        ]
        self._play(o, steps)
        late_days = max(0, transit - 4)
        w.truth.order(o, p, delivered_t=t_delivered, late_days=late_days)
        # "where is my order?" while it travels
        expected = t_ship + 4 * 86400
        if late and rnd.random() < b.late_order_contact:
            w.service.open_issue(
                p,
                min(t_delivered - 3600, expected + int(rnd.uniform(0.3, 2.0) * 86400)),
                "order_status",
                order=o,
            )
        elif not late and rnd.random() < b.order_status_contact:
            w.service.open_issue(
                p, t_ship + int(rnd.uniform(0.5, 2.0) * 86400), "order_status", order=o
            )
        self._after_purchase(p, o, t_delivered, late_days)

    def _play(self, o: shop.Order, steps: list[tuple[int, Callable[[int], None]]]) -> None:
        """Apply changes in time order; deliver the order once per day it changed."""
        clock = self.w.clock
        steps.sort(key=lambda s: s[0])
        for i, (t, apply) in enumerate(steps):
            apply(t)
            o.updated_t = t
            if i + 1 == len(steps) or clock.day_of(steps[i + 1][0]) != clock.day_of(t):
                self.w.sink.put_at(E.SHOP_ORDERS, t, shop.order_line(o))

    def _after_purchase(self, p: Person, o: shop.Order, t_done: int, late_days: int) -> None:
        """Set-up questions, returns and the delivery survey that follow a purchase."""
        w = self.w
        rnd = w.rnd
        b = w.cfg.behaviour
        has_launch = any(li.sku == self.launch_sku for li in o.items)
        self._tally_order(o, has_launch)
        if o.source_name != "pos" and rnd.random() < b.delivery_survey_invite:
            w.surveys.order_delivered(p, o, t_done + rnd.randrange(3600, 86400), late_days)
        help_p = w.cfg.effects.launch_contact_rate if has_launch else b.product_help_contact
        if rnd.random() < help_p:
            sku = self.launch_sku if has_launch else o.items[rnd.randrange(len(o.items))].sku
            w.service.open_issue(
                p, t_done + int(rnd.uniform(0.05, 5.0) * 86400), "product_help", order=o, sku=sku
            )
        if rnd.random() < b.return_rate * (0.5 if o.source_name == "pos" else 1.0):
            w.service.open_issue(p, t_done + int(rnd.uniform(2.0, 20.0) * 86400), "refund", order=o)

    def _tally_order(self, o: shop.Order, has_launch: bool) -> None:
        w = self.w
        if w.clock.day_of(o.created_t) >= w.clock.days:
            return
        tally = w.tally
        units = sum(li.quantity for li in o.items)
        if has_launch:
            tally.add("launch", "launch", "orders")
            lu = sum(li.quantity for li in o.items if li.sku == self.launch_sku)
            tally.add("launch", "launch", "units", lu)
            week = (o.created_t - self.launch_t) // (7 * 86400)
            tally.add("launch_week", f"w{week}", "units", lu)
        if not has_launch or len(o.items) > 1:
            tally.add("launch", "other", "orders")
        if o.created_t >= self.launch_t:
            tally.add("launch", "after", "units", units)

    # ------------------------------------------------------------ refunds
    def refund(
        self,
        o: shop.Order,
        t: int,
        amount: int,
        ticket_id: int | None,
        reason: str | None,
        settle_hours: float,
        order_state: bool = True,
    ) -> tuple[billing.Refund | None, int]:
        """A Stripe refund created at t, pending until settled; returns it and when it succeeded."""
        w = self.w
        ch = w.charges.get(o.id)
        if ch is None:
            return None, t
        amount = min(amount, ch.amount - ch.amount_refunded)
        if amount <= 0:
            return None, t
        if settle_hours > 0 and w.rnd.random() < 0.03:
            # the bank rejects the first attempt; support issues a new refund a day later
            failed = billing.Refund(
                w.ids.stripe_refund_id(), amount, ch.id, t, reason, "pending", ticket_id
            )
            w.sink.put_at(E.BILLING_REFUNDS, t, billing.refund_line(failed))
            failed.status = "failed"
            t_fail = t + int(settle_hours * 3600)
            w.sink.put_at(E.BILLING_REFUNDS, t_fail, billing.refund_line(failed))
            t = t_fail + w.rnd.randrange(3600, 86400)
        r = billing.Refund(
            w.ids.stripe_refund_id(),
            amount,
            ch.id,
            t,
            reason,
            "pending" if settle_hours > 0 else "succeeded",
            ticket_id,
        )
        w.sink.put_at(E.BILLING_REFUNDS, t, billing.refund_line(r))
        done = t + int(settle_hours * 3600)
        if settle_hours > 0:
            r.status = "succeeded"
            w.sink.put_at(
                E.BILLING_REFUNDS, done, billing.refund_line(r)
            )  # re-delivered: status changed
        ch.amount_refunded += amount
        w.sink.put_at(E.BILLING_CHARGES, done, billing.charge_line(ch))
        if order_state:
            o.financial_status = (
                "refunded" if ch.amount_refunded >= ch.amount else "partially_refunded"
            )
            o.updated_t = done
            w.sink.put_at(E.SHOP_ORDERS, done, shop.order_line(o))
        w.truth.refund(r, o, done)
        return r, done
