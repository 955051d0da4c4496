"""Which values of a raw row tie it to a person: one declaration for erasure and suppression.

Every raw entity that can hold a person's data lists the SQL expressions (over its raw columns)
that identify one: contact points (an e-mail, a phone) and record ids, its own or another
entity's it refers to (an order's customer, a refund's charge, a ticket event's ticket). A row
belongs to a person when any of its identifiers is one of that person's; the ids of the rows
found are the person's too, so an order brings its charges, a charge its refunds and a ticket
its events. `touchpoint erase` finds a person's rows with it and ingestion recognises a
suppressed person's rows in a new delivery with it, both through keyed hashes
(`privacy.suppression`), so the two can never disagree.

Products and Zendesk groups hold nobody's data and are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

IdentifierKind = Literal["email", "phone", "record"]


@dataclass(frozen=True)
class Identifier:
    """One value of a row that identifies a person.

    `kind` "record" values are namespaced by `namespace` (`system/entity` of the record they
    name); e-mails and phones are compared in their identity-resolution form.
    """

    kind: IdentifierKind
    sql: str
    namespace: str | None = None


@dataclass(frozen=True)
class EntityIdentifiers:
    table: str
    #: the row's own ids (namespace -> SQL): found rows add these to the person's identifiers
    own: dict[str, str]
    #: every identifier of the row, its own ids included
    identifiers: tuple[Identifier, ...]


def _email(sql: str) -> Identifier:
    return Identifier("email", sql)


def _phone(sql: str) -> Identifier:
    return Identifier("phone", sql)


def _record(namespace: str, sql: str) -> Identifier:
    return Identifier("record", sql, namespace)


def _entity(table: str, own: dict[str, str], *others: Identifier) -> EntityIdentifiers:
    return EntityIdentifiers(
        table, own, tuple(_record(ns, sql) for ns, sql in own.items()) + others
    )


# The Connect endpoint is a phone number or, for a chat, an e-mail address: tried as both.
ENTITIES: tuple[EntityIdentifiers, ...] = (
    _entity(
        "raw.crm__contacts",
        {"crm/contacts": '"Id"', "crm/contacts15": 'left("Id", 15)'},
        _email('"Email"'),
        _phone('"Phone"'),
        _phone('"MobilePhone"'),
        _record("shop/customers", '"Shop_Customer_Id__c"'),
    ),
    _entity(
        "raw.shop__customers",
        {"shop/customers": "id"},
        _email("email"),
        _phone("phone"),
        _phone("default_address.phone"),
    ),
    _entity(
        "raw.shop__orders",
        {"shop/orders": "id", "shop/order_names": "name"},
        _email("email"),
        _phone("phone"),
        _email("customer.email"),
        _record("shop/customers", "customer.id"),
    ),
    _entity(
        "raw.billing__customers",
        {"billing/customers": "id"},
        _email("email"),
        _phone("phone"),
        _record("shop/customers", "json_extract_string(metadata, '$.shop_customer_id')"),
    ),
    _entity(
        "raw.billing__charges",
        {"billing/charges": "id"},
        _email("billing_details.email"),
        _phone("billing_details.phone"),
        _record("billing/customers", "customer"),
        _record("shop/orders", "json_extract_string(metadata, '$.order_id')"),
    ),
    _entity(
        "raw.billing__refunds",
        {"billing/refunds": "id"},
        _record("billing/charges", "charge"),
        _record("support/tickets", "json_extract_string(metadata, '$.ticket_id')"),
    ),
    _entity(
        "raw.support__users",
        {"support/users": "id"},
        _email("email"),
        _phone("phone"),
        _record("crm/contacts", "external_id"),
    ),
    _entity(
        "raw.support__tickets",
        {"support/tickets": "id"},
        _record("support/users", "requester_id"),
        _record("shop/orders", "list_filter(custom_fields, lambda f: f.id = 360001)[1].value"),
    ),
    _entity(
        "raw.support__ticket_events",
        {"support/ticket_events": "id"},
        _record("support/tickets", "ticket_id"),
    ),
    _entity(
        "raw.contact_center__contacts",
        {"contact_center/contacts": '"ContactId"'},
        _email('"CustomerEndpoint"."Address"'),
        _phone('"CustomerEndpoint"."Address"'),
        _record("contact_center/contacts", '"InitialContactId"'),
        _record("contact_center/contacts", '"PreviousContactId"'),
        _record("shop/customers", "json_extract_string(\"Attributes\", '$.shop_customer_id')"),
        _record("support/tickets", "json_extract_string(\"Attributes\", '$.zendesk_ticket_id')"),
    ),
    _entity(
        "raw.digital__events",
        {"digital/events": "user_pseudo_id"},
        _record("shop/customers", "user_id"),
        _record("shop/order_names", "ecommerce.transaction_id"),
    ),
    _entity(
        "raw.marketing__email_events",
        {"marketing/email_events": '"Profile ID"'},
        _email('"Email"'),
    ),
    _entity(
        "raw.surveys__responses",
        {"surveys/responses": '"ResponseId"'},
        _email('"RecipientEmail"'),
        _record("crm/contacts", '"ExternalReference"'),
        _record("crm/contacts15", '"ExternalReference"'),
        _record("support/tickets", "ticket_id"),
        _record("shop/orders", "order_id"),
    ),
    # The optional ninth system (sources/loyalty): empty tables where a company has none.
    _entity(
        "raw.loyalty__members",
        {"loyalty/members": "member_id"},
        _email("email"),
        _phone("phone"),
    ),
    _entity(
        "raw.loyalty__points_events",
        {"loyalty/points_events": "event_id"},
        _record("loyalty/members", "member_id"),
    ),
)

#: Identity-resolution records (`identity.resolved_records`) by the namespace of their id.
IDENTITY_RECORD_NAMESPACE = "{system}/{entity}"
