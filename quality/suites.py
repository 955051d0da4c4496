"""Great Expectations suites for the raw layer, as code: one per contract entity.

A suite is built fresh on every call (GX expectation objects cannot be shared between suites).
Each expectation carries its severity in ``meta``:

- ``blocking``: required columns non-null, enums, ranges. Real deliveries carry a small rate of
  out-of-domain values, which ingestion loads and these expectations flag; ``mostly`` lets
  occasional ones through (they are counted and reported) while a systematic break fails the
  check and stops downstream steps. "Occasional" is judged statistically (see
  :func:`tolerated_mostly`), so one bad value in a 50-row table does not block.
- ``warning``: formats, open-ended lists, and repeated key versions (the same record re-sent in
  several files is a defect the contract expects; staging keeps one version).

Columns prefixed ``_q_`` are derived in DuckDB by the query that feeds the suite (nested fields,
cross-field rules, the number of rows sharing a key version); see :mod:`quality.raw`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import great_expectations as gx
import great_expectations.expectations as gxe
from scipy.stats import binom

from ingestion.contract import ENTITIES, EntitySpec

BLOCKING = "blocking"
WARNING = "warning"
#: Defect rate real deliveries may carry per expectation before it counts as a systematic break.
TOLERATED_DEFECT_RATE = 0.02
#: A table fails when its bad-value count is above what that rate produces 999 times in 1,000.
_CONFIDENCE = 0.999
DEFAULT_MOSTLY = 1 - TOLERATED_DEFECT_RATE


def tolerated_mostly(rows: int) -> float:
    """The GX ``mostly`` for a table of ``rows`` rows: 1 - (the 99.9th percentile of the number
    of bad values a delivery with the tolerated defect rate produces) / rows.

    A flat 98 % would block a 50-row table for its second bad value; this bound allows a few
    in small tables and converges to the tolerated rate in large ones.
    """
    if rows <= 0:
        return DEFAULT_MOSTLY
    allowed = binom.ppf(_CONFIDENCE, rows, TOLERATED_DEFECT_RATE)
    return max(0.0, 1 - allowed / rows)


ZENDESK_CHANNELS = ("email", "web", "chat", "voice", "mobile", "twitter", "facebook", "api")
GA4_EVENTS = (
    "session_start",
    "page_view",
    "screen_view",
    "view_item",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "login",
    "sign_up",
    "search",
    "view_help_article",
    "contact_us_click",
)
UNIX_RANGE = (946_684_800, 4_102_444_800)  # 2000-01-01 .. 2100-01-01


@dataclass(frozen=True)
class Domain:
    """What the contract says about values, beyond the types ingestion already enforces."""

    #: columns that must not be null (default: the spec's required fields)
    not_null: tuple[str, ...] | None = None
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: format rules (warning severity)
    patterns: dict[str, str] = field(default_factory=dict)
    #: enums that are open-ended in the contract (warning severity)
    open_enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: derived boolean columns that must be true (blocking, mostly)
    rules: tuple[str, ...] = ()
    #: derived columns: name -> DuckDB SQL over the raw table
    derived: dict[str, str] = field(default_factory=dict)


DOMAINS: dict[tuple[str, str], Domain] = {
    ("crm", "contacts"): Domain(
        enums={"LoyaltyTier__c": ("Bronze", "Silver", "Gold", "Platinum")},
        not_null=("Id", "HasOptedOutOfEmail", "CreatedDate", "LastModifiedDate", "IsDeleted"),
        patterns={"Id": r"^003[A-Za-z0-9]{15}$", "Shop_Customer_Id__c": r"^\d+$"},
    ),
    ("shop", "customers"): Domain(
        enums={
            "state": ("enabled", "disabled", "invited"),
            "_q_consent_state": ("subscribed", "unsubscribed", "not_subscribed"),
        },
        ranges={"id": (0, None)},
        patterns={"phone": r"^\+[1-9]\d{6,14}$"},
        derived={"_q_consent_state": "email_marketing_consent.state"},
    ),
    ("shop", "orders"): Domain(
        enums={
            "currency": ("USD",),
            "financial_status": ("paid", "pending", "refunded", "partially_refunded", "voided"),
            "fulfillment_status": ("fulfilled", "partial"),
            "source_name": ("web", "pos", "iphone", "android"),
        },
        ranges={
            "total_price": (0, None),
            "subtotal_price": (0, None),
            "total_discounts": (0, None),
            "total_tax": (0, None),
        },
        patterns={"name": r"^#\d+$"},
        rules=("_q_pos_has_location",),
        derived={"_q_pos_has_location": "source_name <> 'pos' OR location_id IS NOT NULL"},
    ),
    ("shop", "products"): Domain(enums={"status": ("active", "archived", "draft")}),
    ("billing", "customers"): Domain(
        # a deletion record carries only id, object and deleted
        not_null=("id", "object"),
        enums={"object": ("customer",)},
        ranges={"created": UNIX_RANGE},
        patterns={"id": r"^cus_[A-Za-z0-9]+$"},
    ),
    ("billing", "charges"): Domain(
        enums={
            "object": ("charge",),
            "currency": ("usd",),
            "status": ("succeeded", "failed", "pending"),
        },
        ranges={"amount": (1, None), "amount_refunded": (0, None), "created": UNIX_RANGE},
        patterns={"id": r"^ch_[A-Za-z0-9]+$"},
        rules=("_q_refunded_le_amount",),
        derived={"_q_refunded_le_amount": "amount_refunded <= amount"},
    ),
    ("billing", "refunds"): Domain(
        enums={
            "object": ("refund",),
            "currency": ("usd",),
            "reason": ("requested_by_customer", "duplicate", "fraudulent"),
            "status": ("pending", "succeeded", "failed"),
        },
        ranges={"amount": (1, None), "created": UNIX_RANGE},
        patterns={"id": r"^re_[A-Za-z0-9]+$", "charge": r"^ch_[A-Za-z0-9]+$"},
    ),
    ("support", "users"): Domain(
        enums={"role": ("end-user", "agent", "admin")},
        patterns={"external_id": r"^003[A-Za-z0-9]{15}$"},
    ),
    ("support", "groups"): Domain(),
    ("support", "tickets"): Domain(
        enums={
            "status": ("new", "open", "pending", "hold", "solved", "closed"),
            "_q_channel": ZENDESK_CHANNELS,
            "_q_satisfaction": ("unoffered", "offered", "good", "bad"),
        },
        derived={"_q_channel": "via.channel", "_q_satisfaction": "satisfaction_rating.score"},
    ),
    ("support", "ticket_events"): Domain(
        enums={"via": (*ZENDESK_CHANNELS, "rule"), "event_type": ("Audit",)},
    ),
    ("contact_center", "contacts"): Domain(
        enums={
            "Channel": ("VOICE", "CHAT"),
            "InitiationMethod": ("INBOUND", "OUTBOUND", "TRANSFER", "CALLBACK", "API"),
            "_q_intent": ("order_status", "refund", "product_help", "billing", "account", "other"),
        },
        ranges={"_q_queue_seconds": (0, None)},
        rules=("_q_disconnect_after_initiation", "_q_transfer_has_previous"),
        derived={
            "_q_intent": "Attributes->>'$.intent'",
            "_q_queue_seconds": "Queue.Duration",
            "_q_disconnect_after_initiation": "DisconnectTimestamp >= InitiationTimestamp",
            "_q_transfer_has_previous": "InitiationMethod <> 'TRANSFER' OR PreviousContactId IS NOT NULL",
        },
    ),
    ("digital", "events"): Domain(
        enums={"platform": ("WEB", "IOS", "ANDROID")},
        ranges={"event_timestamp": (UNIX_RANGE[0] * 1_000_000, UNIX_RANGE[1] * 1_000_000)},
        patterns={"event_date": r"^\d{8}$"},
        open_enums={"event_name": GA4_EVENTS},
        rules=("_q_has_ga_session_id",),
        derived={
            "_q_has_ga_session_id": "list_contains(list_transform(event_params, lambda p: p.key), 'ga_session_id')"
        },
    ),
    ("marketing", "email_events"): Domain(
        enums={
            "Event": (
                "Received Email",
                "Opened Email",
                "Clicked Email",
                "Unsubscribed",
                "Bounced Email",
                "Marked Email as Spam",
            )
        },
        not_null=("Event ID", "Profile ID", "Event", "Timestamp"),
    ),
    ("surveys", "responses"): Domain(
        enums={
            "Status": ("IP Address", "Survey Preview"),
            "DistributionChannel": ("email", "anonymous", "sms"),
            "trigger": ("ticket_solved", "order_delivered", "relationship"),
        },
        ranges={
            "Progress": (0, 100),
            "Q1": (0, 10),
            "Q2": (1, 5),
            "Q3": (1, 7),
            "Duration (in seconds)": (0, None),
        },
        not_null=("ResponseId", "Status", "Finished", "StartDate", "EndDate", "RecordedDate"),
        patterns={
            "ResponseId": r"^R_[A-Za-z0-9]+$",
            "ExternalReference": r"^003[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$",
        },
    ),
}

#: Derived column holding how many rows share the row's record key version.
KEY_VERSIONS = "_q_rows_per_key_version"


def key_version_columns(spec: EntitySpec) -> tuple[str, ...]:
    """The contract's versioning rule: (key, update timestamp), else (key, delivery date)."""
    if not spec.key:
        return ()
    return (*spec.key, spec.version_column or "_delivery_date")


def not_null_columns(spec: EntitySpec) -> tuple[str, ...]:
    domain = DOMAINS[(spec.system, spec.entity)]
    return domain.not_null if domain.not_null is not None else spec.required_fields


def build_suite(system: str, entity: str, mostly: float = DEFAULT_MOSTLY) -> gx.ExpectationSuite:
    spec = ENTITIES[(system, entity)]
    d = DOMAINS[(system, entity)]
    blocking = {"severity": BLOCKING}
    warning = {"severity": WARNING}
    suite = gx.ExpectationSuite(name=f"raw.{spec.table}")
    add = suite.add_expectation
    add(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(spec.field_names), exact_match=False, meta=blocking
        )
    )
    for col in not_null_columns(spec):
        add(gxe.ExpectColumnValuesToNotBeNull(column=col, mostly=mostly, meta=blocking))
    for col, values in d.enums.items():
        add(
            gxe.ExpectColumnValuesToBeInSet(
                column=col, value_set=list(values), mostly=mostly, meta=blocking
            )
        )
    for col, (lo, hi) in d.ranges.items():
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=col, min_value=lo, max_value=hi, mostly=mostly, meta=blocking
            )
        )
    for col in d.rules:
        add(
            gxe.ExpectColumnValuesToBeInSet(
                column=col, value_set=[True], mostly=mostly, meta=blocking
            )
        )
    if spec.key:
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=KEY_VERSIONS, min_value=1, max_value=1, meta=warning
            )
        )
    for col, pattern in d.patterns.items():
        add(gxe.ExpectColumnValuesToMatchRegex(column=col, regex=pattern, meta=warning))
    for col, values in d.open_enums.items():
        add(gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(values), meta=warning))
    return suite
