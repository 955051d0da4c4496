"""Stripe API objects: customers, charges (metadata.order_id), refunds (metadata.ticket_id)."""

from __future__ import annotations

from dataclasses import dataclass

from ._json import dumps


@dataclass(slots=True)
class StripeCustomer:
    id: str
    email: str | None
    name: str | None
    phone: str | None
    created: int
    postal_code: str | None
    shop_customer_id: int | None


def customer_line(c: StripeCustomer) -> str:
    return dumps(
        {
            "id": c.id,
            "object": "customer",
            "email": c.email,
            "name": c.name,
            "phone": c.phone,
            "created": c.created,
            "address": {"postal_code": c.postal_code, "country": "US"} if c.postal_code else None,
            "metadata": {"shop_customer_id": str(c.shop_customer_id)} if c.shop_customer_id else {},
            "deleted": False,
        }
    )


def deleted_customer_line(c: StripeCustomer) -> str:
    return dumps({"id": c.id, "object": "customer", "deleted": True})


@dataclass(slots=True)
class Charge:
    id: str
    amount: int
    created: int
    customer: str | None
    status: str
    failure_code: str | None
    email: str | None
    name: str | None
    phone: str | None
    postal_code: str | None
    brand: str
    last4: str
    order_id: int
    amount_refunded: int = 0


def charge_line(c: Charge) -> str:
    return dumps(
        {
            "id": c.id,
            "object": "charge",
            "amount": c.amount,
            "amount_refunded": c.amount_refunded,
            "currency": "usd",
            "created": c.created,
            "customer": c.customer,
            "status": c.status,
            "failure_code": c.failure_code,
            "paid": c.status == "succeeded",
            "refunded": c.amount_refunded >= c.amount > 0,
            "billing_details": {
                "email": c.email,
                "name": c.name,
                "phone": c.phone,
                "address": {"postal_code": c.postal_code},
            },
            "payment_method_details": {
                "type": "card",
                "card": {"brand": c.brand, "last4": c.last4},
            },
            "metadata": {"order_id": str(c.order_id)},
        }
    )


@dataclass(slots=True)
class Refund:
    id: str
    amount: int
    charge: str
    created: int
    reason: str | None
    status: str
    ticket_id: int | None


def refund_line(r: Refund) -> str:
    return dumps(
        {
            "id": r.id,
            "object": "refund",
            "amount": r.amount,
            "charge": r.charge,
            "created": r.created,
            "currency": "usd",
            "reason": r.reason,
            "status": r.status,
            "metadata": {"ticket_id": str(r.ticket_id)} if r.ticket_id else {},
        }
    )
