"""Shopify Admin API objects: customers, orders (re-delivered on every change), products."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Product
from ..timeutil import shop_ts
from ._json import dumps


@dataclass(slots=True)
class ShopCustomer:
    id: int
    email: str | None
    first: str
    last: str
    phone: str | None  # E.164
    created_t: int
    updated_t: int
    state: str
    verified: bool
    tags: str
    consent: str
    consent_t: int | None
    address: dict[str, str | None] | None


def customer_line(c: ShopCustomer) -> str:
    return dumps(
        {
            "id": c.id,
            "email": c.email,
            "first_name": c.first,
            "last_name": c.last,
            "phone": c.phone,
            "created_at": shop_ts(c.created_t),
            "updated_at": shop_ts(c.updated_t),
            "state": c.state,
            "verified_email": c.verified,
            "tags": c.tags,
            "email_marketing_consent": {
                "state": c.consent,
                "consent_updated_at": shop_ts(c.consent_t) if c.consent_t else None,
            },
            "default_address": c.address,
        }
    )


@dataclass(slots=True)
class LineItem:
    id: int
    product_id: int
    sku: str
    title: str
    quantity: int
    price: str


@dataclass(slots=True)
class Fulfillment:
    id: int
    created_t: int
    updated_t: int
    status: str
    shipment_status: str | None


@dataclass(slots=True)
class Order:
    id: int
    name: str
    email: str | None
    phone: str | None
    created_t: int
    customer_id: int | None
    customer_email: str | None
    source_name: str
    location_id: int | None
    items: list[LineItem]
    subtotal: int  # cents
    discount: int
    tax: int
    updated_t: int = 0
    cancelled_t: int | None = None
    cancel_reason: str | None = None
    financial_status: str = "paid"
    fulfillments: list[Fulfillment] = field(default_factory=list)
    rendered_head: str = ""  # the part of the JSON line that never changes, rendered once

    @property
    def total(self) -> int:
        return self.subtotal + self.tax

    @property
    def fulfillment_status(self) -> str | None:
        return "fulfilled" if self.fulfillments else None


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def order_line(o: Order) -> str:
    """The full order as of its latest change (orders are re-delivered on every change)."""
    if not o.rendered_head:
        o.rendered_head = dumps(
            {
                "id": o.id,
                "name": o.name,
                "email": o.email,
                "phone": o.phone,
                "created_at": shop_ts(o.created_t),
                "processed_at": shop_ts(o.created_t),
                "currency": "USD",
                "total_price": money(o.total),
                "subtotal_price": money(o.subtotal),
                "total_discounts": money(o.discount),
                "total_tax": money(o.tax),
                "source_name": o.source_name,
                "location_id": o.location_id,
                "customer": {"id": o.customer_id, "email": o.customer_email}
                if o.customer_id
                else None,
                "line_items": [
                    {
                        "id": li.id,
                        "product_id": li.product_id,
                        "sku": li.sku,
                        "title": li.title,
                        "quantity": li.quantity,
                        "price": li.price,
                    }
                    for li in o.items
                ],
            }
        )[:-1]
    return (
        o.rendered_head
        + ","
        + dumps(
            {
                "updated_at": shop_ts(o.updated_t or o.created_t),
                "cancelled_at": shop_ts(o.cancelled_t) if o.cancelled_t else None,
                "cancel_reason": o.cancel_reason,
                "financial_status": o.financial_status,
                "fulfillment_status": o.fulfillment_status,
                "fulfillments": [
                    {
                        "id": f.id,
                        "created_at": shop_ts(f.created_t),
                        "updated_at": shop_ts(f.updated_t),
                        "status": f.status,
                        "shipment_status": f.shipment_status,
                    }
                    for f in o.fulfillments
                ],
            }
        )[1:]
    )


def product_line(p: Product, updated_t: int, prices: list[str] | None = None) -> str:
    """The product as of updated_t; prices override the variants' list prices after a change."""
    prices = prices or [v.price for v in p.variants]
    return dumps(
        {
            "id": p.id,
            "title": p.title,
            "product_type": p.product_type,
            "vendor": p.vendor,
            "created_at": shop_ts(p.created_t),
            "updated_at": shop_ts(updated_t),
            "published_at": shop_ts(p.published_t) if p.published_t else None,
            "status": p.status,
            "variants": [
                {"id": v.id, "sku": v.sku, "price": price, "title": v.title}
                for v, price in zip(p.variants, prices, strict=True)
            ],
        }
    )
