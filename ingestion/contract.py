"""The input contract (docs/extracts.md) as data: one declarative spec per entity.

Every loader, DDL statement and quality suite is derived from these specs, so a contract change
is made here once. Types are DuckDB types written as a small nested structure:

- a scalar is a DuckDB type name (``"BIGINT"``, ``"TIMESTAMPTZ"``, ``"JSON"`` ...);
- a ``dict`` is a STRUCT (key order = field order);
- a one-element ``list`` is a LIST of its element type.

Raw keeps what the vendor delivered: source column names unchanged, Stripe unix seconds and GA4
microseconds as BIGINT, local times without an offset (Klaviyo, Qualtrics) as naive TIMESTAMP
(staging converts them from America/New_York), timestamps with an offset or ``Z`` as TIMESTAMPTZ,
nested objects as STRUCTs, and free-form maps (Stripe ``metadata``, Connect ``Attributes``) as
JSON so that no key is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal, TypeAlias

DuckType: TypeAlias = str | dict[str, "DuckType"] | list["DuckType"]

#: Lineage columns appended to every raw table, in this order.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),  # path relative to the landing folder
    ("_delivery_date", "DATE"),  # from the file name
    ("_row_number", "BIGINT"),  # 1-based record number in the file (CSV: data row, JSONL: line)
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMPTZ"),
    ("_record_hash", "UBIGINT"),  # hash of the delivered record text, for duplicates and diffs
)
#: JSONL only: top-level keys that are not in the contract (additive drift), as one JSON object.
EXTRA_COLUMN = "_extra"


def render_type(t: DuckType) -> str:
    """The DuckDB type string of a spec type, e.g. ``STRUCT("id" BIGINT)[]``."""
    if isinstance(t, dict):
        inner = ", ".join(f"{quote_ident(k)} {render_type(v)}" for k, v in t.items())
        return f"STRUCT({inner})"
    if isinstance(t, list):
        return f"{render_type(t[0])}[]"
    return t


def json_structure(t: DuckType) -> object:
    """The structure argument of DuckDB's ``from_json`` for a spec type."""
    if isinstance(t, dict):
        return {k: json_structure(v) for k, v in t.items()}
    if isinstance(t, list):
        return [json_structure(t[0])]
    return t


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Field:
    """One column (CSV) or top-level key (JSONL).

    ``required``: for CSV the column must be in the header; for JSONL the key must not be absent
    from every record of a file (a null-valued key may be omitted, so per-record absence is a
    null, which the quality suites judge). Either way a file that breaks it is rejected.
    """

    name: str
    type: DuckType
    required: bool = True


@dataclass(frozen=True)
class EntitySpec:
    system: str
    entity: str
    format: Literal["csv", "jsonl"]
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # the record's identity ((), GA4 events have none)
    #: Update timestamp that orders versions; None = versions ordered by delivery, then position.
    version_column: str | None = None
    #: CSV: header records before the data (Qualtrics: ids, question texts, ImportIds).
    header_rows: int = 1
    #: JSONL: records with this boolean key true are a reduced variant (Stripe deletion records)
    #: exempt from the required-key rule.
    variant_flag: str | None = None

    @property
    def table(self) -> str:
        """Unqualified raw table name, e.g. ``surveys__responses``."""
        return f"{self.system}__{self.entity}"

    @property
    def qualified_table(self) -> str:
        return f"raw.{self.table}"

    @property
    def asset_key(self) -> list[str]:
        """Equal to the dbt source key, so lineage joins up with no glue code."""
        return [self.system, self.entity]

    @property
    def ext(self) -> str:
        return self.format

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def json_structure(self) -> str:
        return json.dumps({f.name: json_structure(f.type) for f in self.fields})

    def columns(self) -> list[tuple[str, str]]:
        """Contract columns then lineage columns (JSONL also ``_extra``) as (name, DuckDB type)."""
        cols = [(f.name, render_type(f.type)) for f in self.fields]
        if self.format == "jsonl":
            cols.append((EXTRA_COLUMN, "JSON"))
        return cols + list(LINEAGE_COLUMNS)


def _f(name: str, t: DuckType, required: bool = True) -> Field:
    return Field(name, t, required)


def _opt(name: str, t: DuckType) -> Field:
    return Field(name, t, required=False)


V, B, INT, TZ, TS = "VARCHAR", "BOOLEAN", "BIGINT", "TIMESTAMPTZ", "TIMESTAMP"
MONEY = "DECIMAL(18,2)"  # Shopify decimal strings: USD, two decimals

_SHOP_ADDRESS = {
    k: V for k in ("address1", "city", "province_code", "zip", "country_code", "phone")
}

SPECS: tuple[EntitySpec, ...] = (
    EntitySpec(
        "crm",
        "contacts",
        "csv",
        (
            _f("Id", V),
            _f("FirstName", V),
            _f("LastName", V),
            _f("Email", V),
            _f("Phone", V),
            _f("MobilePhone", V),
            _f("MailingStreet", V),
            _f("MailingCity", V),
            _f("MailingState", V),
            _f("MailingPostalCode", V),
            _f("MailingCountry", V),
            _f("Birthdate", "DATE"),
            _f("HasOptedOutOfEmail", B),
            _f("LoyaltyTier__c", V),
            _f("Shop_Customer_Id__c", V),
            _f("CreatedDate", TZ),
            _f("LastModifiedDate", TZ),
            _f("IsDeleted", B),
        ),
        key=("Id",),
        version_column="LastModifiedDate",
    ),
    EntitySpec(
        "shop",
        "customers",
        "jsonl",
        (
            _f("id", INT),
            _opt("email", V),
            _opt("first_name", V),
            _opt("last_name", V),
            _opt("phone", V),
            _f("created_at", TZ),
            _f("updated_at", TZ),
            _f("state", V),
            _f("verified_email", B),
            _f("tags", V),
            _f("email_marketing_consent", {"state": V, "consent_updated_at": TZ}),
            _opt("default_address", _SHOP_ADDRESS),
        ),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "shop",
        "orders",
        "jsonl",
        (
            _f("id", INT),
            _f("name", V),
            _opt("email", V),
            _opt("phone", V),
            _f("created_at", TZ),
            _f("updated_at", TZ),
            _f("processed_at", TZ),
            _opt("cancelled_at", TZ),
            _opt("cancel_reason", V),
            _f("currency", V),
            _f("total_price", MONEY),
            _f("subtotal_price", MONEY),
            _f("total_discounts", MONEY),
            _f("total_tax", MONEY),
            _f("financial_status", V),
            _opt("fulfillment_status", V),
            _f("source_name", V),
            _opt("location_id", INT),
            _opt("customer", {"id": INT, "email": V}),
            _f(
                "line_items",
                [
                    {
                        "id": INT,
                        "product_id": INT,
                        "sku": V,
                        "title": V,
                        "quantity": INT,
                        "price": MONEY,
                    }
                ],
            ),
            _f(
                "fulfillments",
                [
                    {
                        "id": INT,
                        "created_at": TZ,
                        "updated_at": TZ,
                        "status": V,
                        "shipment_status": V,
                    }
                ],
            ),
        ),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "shop",
        "products",
        "jsonl",
        (
            _f("id", INT),
            _f("title", V),
            _f("product_type", V),
            _f("vendor", V),
            _f("created_at", TZ),
            _f("updated_at", TZ),
            _opt("published_at", TZ),
            _f("status", V),
            _f("variants", [{"id": INT, "sku": V, "price": MONEY, "title": V}]),
        ),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "billing",
        "customers",
        "jsonl",
        (
            _f("id", V),
            _f("object", V),
            _opt("email", V),
            _opt("name", V),
            _opt("phone", V),
            _f("created", INT),
            _opt("address", {"postal_code": V, "country": V}),
            _f("metadata", "JSON"),
            _opt("deleted", B),
        ),
        key=("id",),
        variant_flag="deleted",
    ),
    EntitySpec(
        "billing",
        "charges",
        "jsonl",
        (
            _f("id", V),
            _f("object", V),
            _f("amount", INT),
            _f("amount_refunded", INT),
            _f("currency", V),
            _f("created", INT),
            _opt("customer", V),
            _f("status", V),
            _opt("failure_code", V),
            _f("paid", B),
            _f("refunded", B),
            _f(
                "billing_details",
                {"email": V, "name": V, "phone": V, "address": {"postal_code": V}},
            ),
            _f("payment_method_details", {"type": V, "card": {"brand": V, "last4": V}}),
            _f("metadata", "JSON"),
        ),
        key=("id",),
    ),
    EntitySpec(
        "billing",
        "refunds",
        "jsonl",
        (
            _f("id", V),
            _f("object", V),
            _f("amount", INT),
            _f("charge", V),
            _f("created", INT),
            _f("currency", V),
            _opt("reason", V),
            _f("status", V),
            _f("metadata", "JSON"),
        ),
        key=("id",),
    ),
    EntitySpec(
        "support",
        "users",
        "jsonl",
        (
            _f("id", INT),
            _f("name", V),
            _opt("email", V),
            _opt("phone", V),
            _f("role", V),
            _opt("external_id", V),
            _f("created_at", TZ),
            _f("updated_at", TZ),
            _f("time_zone", V),
        ),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "support",
        "groups",
        "jsonl",
        (_f("id", INT), _f("name", V), _f("created_at", TZ), _f("updated_at", TZ)),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "support",
        "tickets",
        "jsonl",
        (
            _f("id", INT),
            _f("created_at", TZ),
            _f("updated_at", TZ),
            _opt("type", V),
            _opt("subject", V),
            _f("status", V),
            _opt("priority", V),
            _f("requester_id", INT),
            _opt("submitter_id", INT),
            _opt("assignee_id", INT),
            _opt("group_id", INT),
            _f("via", {"channel": V}),
            _f("tags", [V]),
            _f("satisfaction_rating", {"score": V, "comment": V}),
            # values are order ids (numbers), SKUs and reasons (strings): kept as text
            _f("custom_fields", [{"id": INT, "value": V}]),
        ),
        key=("id",),
        version_column="updated_at",
    ),
    EntitySpec(
        "support",
        "ticket_events",
        "jsonl",
        (
            _f("id", INT),
            _f("ticket_id", INT),
            _f("created_at", TZ),
            _opt("updater_id", INT),
            _f("via", V),
            _f("event_type", V),
            _f(
                "child_events",
                [
                    {
                        "id": INT,
                        "event_type": V,
                        "field_name": V,
                        "value": V,
                        "previous_value": V,
                        "public": B,
                        "author_id": INT,
                    }
                ],
            ),
        ),
        key=("id",),
    ),
    EntitySpec(
        "contact_center",
        "contacts",
        "jsonl",
        (
            _f("ContactId", V),
            _f("InitialContactId", V),
            _opt("PreviousContactId", V),
            _opt("NextContactId", V),
            _f("Channel", V),
            _f("InitiationMethod", V),
            _f("InitiationTimestamp", TZ),
            _opt("ConnectedToSystemTimestamp", TZ),
            _f("DisconnectTimestamp", TZ),
            _opt("DisconnectReason", V),
            _opt("CustomerEndpoint", {"Type": V, "Address": V}),
            _opt(
                "Queue",
                {"Name": V, "EnqueueTimestamp": TZ, "DequeueTimestamp": TZ, "Duration": INT},
            ),
            _opt(
                "Agent",
                {
                    "Username": V,
                    "ConnectedToAgentTimestamp": TZ,
                    "AgentInteractionDuration": INT,
                    "CustomerHoldDuration": INT,
                    "NumberOfHolds": INT,
                    "LongestHoldDuration": INT,
                    "AfterContactWorkDuration": INT,
                },
            ),
            _f("Attributes", "JSON"),
        ),
        key=("ContactId",),
    ),
    EntitySpec(
        "digital",
        "events",
        "jsonl",
        (
            _f("event_date", V),
            _f("event_timestamp", INT),
            _f("event_name", V),
            _f(
                "event_params",
                [
                    {
                        "key": V,
                        "value": {"string_value": V, "int_value": INT, "double_value": "DOUBLE"},
                    }
                ],
            ),
            _opt("user_id", V),
            _f("user_pseudo_id", V),
            _f("platform", V),
            _f("device", {"category": V, "operating_system": V}),
            _f("geo", {"country": V, "region": V}),
            _f("traffic_source", {"source": V, "medium": V, "name": V}),
            _opt("ecommerce", {"transaction_id": V, "purchase_revenue": "DOUBLE"}),
            _opt("items", [{"item_id": V, "price": "DOUBLE", "quantity": INT}]),
        ),
        key=(),
    ),
    EntitySpec(
        "marketing",
        "email_events",
        "csv",
        (
            _f("Event ID", V),
            _f("Profile ID", V),
            _f("Email", V),
            _f("Event", V),
            _f("Timestamp", TS),
            _f("Campaign ID", V),
            _f("Campaign Name", V),
            _f("Subject", V),
        ),
        key=("Event ID",),
    ),
    EntitySpec(
        "surveys",
        "responses",
        "csv",
        (
            _f("StartDate", TS),
            _f("EndDate", TS),
            _f("Status", V),
            _f("Progress", "INTEGER"),
            _f("Duration (in seconds)", INT),
            _f("Finished", B),
            _f("RecordedDate", TS),
            _f("ResponseId", V),
            _f("RecipientEmail", V),
            _f("ExternalReference", V),
            _f("DistributionChannel", V),
            _f("UserLanguage", V),
            _f("Q1", "INTEGER"),
            _f("Q2", "INTEGER"),
            _f("Q3", "INTEGER"),
            _f("Q4", V),
            _f("trigger", V),
            _f("ticket_id", V),
            _f("order_id", V),
        ),
        key=("ResponseId",),
        header_rows=3,
    ),
)

ENTITIES: dict[tuple[str, str], EntitySpec] = {(s.system, s.entity): s for s in SPECS}
SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(s.system for s in SPECS))


def get_spec(system: str, entity: str) -> EntitySpec:
    try:
        return ENTITIES[(system, entity)]
    except KeyError:
        raise KeyError(f"{system}/{entity} is not an entity of the input contract") from None
