"""Every record of every entity, checked against the input contract with our own rules.

Injected out-of-domain values are the only records allowed to fail, so the number of
failures must match what truth/defects.json says was injected."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from simtest_support import Company

NY = ZoneInfo("America/New_York")
Check = Callable[[Any], bool]


def rx(pattern: str) -> Check:
    c = re.compile(pattern)
    return lambda v: isinstance(v, str) and c.fullmatch(v) is not None


def enum(*values: Any) -> Check:
    return lambda v: v in values


def opt(check: Check) -> Check:
    return lambda v: v is None or check(v)


@cache
def _ny_offset(local_hour: str, offset: str) -> bool:
    naive = dt.datetime.fromisoformat(local_hour + ":00:00")
    probe = naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=int(offset[:3]))))
    return probe.astimezone(NY).utcoffset() == probe.utcoffset()


def shop_ts(v: Any) -> bool:
    return (
        isinstance(v, str)
        and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00", v) is not None
        and _ny_offset(v[:13], v[-6:])
    )


SF_TS = rx(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000")
Z_TS = rx(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
LOCAL_TS = rx(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
DECIMAL = rx(r"\d+\.\d\d")
DIGITS = rx(r"\d+")
INT = lambda v: type(v) is int and v >= 0  # noqa: E731
BOOL = lambda v: type(v) is bool  # noqa: E731
STR = lambda v: isinstance(v, str)  # noqa: E731
UNIX = lambda v: type(v) is int and 1_400_000_000 < v < 2_000_000_000  # noqa: E731
CENTS = lambda v: type(v) is int and v > 0  # noqa: E731
UUID = rx(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
SF18 = rx(r"003[A-Za-z0-9]{15}")


def obj(spec: dict[str, Check]) -> Check:
    return lambda v: isinstance(v, dict) and all(check(v.get(k)) for k, check in spec.items())


def items_of(check: Check) -> Check:
    return lambda v: isinstance(v, list) and all(check(x) for x in v)


def ga4_params(v: Any) -> bool:
    if not isinstance(v, list) or not all(
        isinstance(p, dict) and set(p) == {"key", "value"} for p in v
    ):
        return False
    keys = {p["key"]: p["value"] for p in v}
    return type(keys.get("ga_session_id", {}).get("int_value")) is int


JSONL: dict[tuple[str, str], dict[str, Check]] = {
    ("shop", "customers"): {
        "id": INT,
        "email": opt(STR),
        "first_name": opt(STR),
        "last_name": opt(STR),
        "phone": opt(rx(r"\+1\d{10}")),
        "created_at": shop_ts,
        "updated_at": shop_ts,
        "state": enum("enabled", "disabled", "invited"),
        "verified_email": BOOL,
        "tags": STR,
        "email_marketing_consent": obj(
            {
                "state": enum("subscribed", "unsubscribed", "not_subscribed"),
                "consent_updated_at": opt(shop_ts),
            }
        ),
        "default_address": opt(
            obj(
                {
                    "address1": STR,
                    "city": STR,
                    "province_code": rx(r"[A-Z]{2}"),
                    "zip": rx(r"\d{5}"),
                    "country_code": enum("US"),
                }
            )
        ),
    },
    ("shop", "orders"): {
        "id": INT,
        "name": rx(r"#\d+"),
        "email": opt(STR),
        "phone": opt(STR),
        "created_at": shop_ts,
        "updated_at": shop_ts,
        "processed_at": shop_ts,
        "cancelled_at": opt(shop_ts),
        "cancel_reason": opt(STR),
        "currency": enum("USD"),
        "total_price": DECIMAL,
        "subtotal_price": DECIMAL,
        "total_discounts": DECIMAL,
        "total_tax": DECIMAL,
        "financial_status": enum("paid", "pending", "refunded", "partially_refunded", "voided"),
        "fulfillment_status": enum("fulfilled", "partial", None),
        "source_name": enum("web", "pos", "iphone", "android"),
        "location_id": opt(INT),
        "customer": opt(obj({"id": INT, "email": opt(STR)})),
        "line_items": items_of(
            obj(
                {
                    "id": INT,
                    "product_id": INT,
                    "sku": STR,
                    "title": STR,
                    "quantity": INT,
                    "price": DECIMAL,
                }
            )
        ),
        "fulfillments": items_of(
            obj(
                {
                    "id": INT,
                    "created_at": shop_ts,
                    "updated_at": shop_ts,
                    "status": STR,
                    "shipment_status": enum(
                        "confirmed", "in_transit", "out_for_delivery", "delivered", "failure", None
                    ),
                }
            )
        ),
    },
    ("shop", "products"): {
        "id": INT,
        "title": STR,
        "product_type": STR,
        "vendor": STR,
        "created_at": shop_ts,
        "updated_at": shop_ts,
        "published_at": opt(shop_ts),
        "status": enum("active", "archived", "draft"),
        "variants": items_of(obj({"id": INT, "sku": STR, "price": DECIMAL, "title": STR})),
    },
    ("billing", "customers"): {
        "id": rx(r"cus_[A-Za-z0-9]{14}"),
        "object": enum("customer"),
        "email": opt(STR),
        "name": opt(STR),
        "phone": opt(STR),
        "created": UNIX,
        "address": opt(obj({"postal_code": opt(STR), "country": opt(STR)})),
        "metadata": obj({"shop_customer_id": opt(DIGITS)}),
        "deleted": BOOL,
    },
    ("billing", "charges"): {
        "id": rx(r"ch_[A-Za-z0-9]{24}"),
        "object": enum("charge"),
        "amount": CENTS,
        "amount_refunded": INT,
        "currency": enum("usd"),
        "created": UNIX,
        "customer": opt(rx(r"cus_[A-Za-z0-9]+")),
        "status": enum("succeeded", "failed", "pending"),
        "failure_code": opt(STR),
        "paid": BOOL,
        "refunded": BOOL,
        "billing_details": obj(
            {
                "email": opt(STR),
                "name": opt(STR),
                "phone": opt(STR),
                "address": obj({"postal_code": opt(STR)}),
            }
        ),
        "payment_method_details": obj(
            {"type": enum("card"), "card": obj({"brand": STR, "last4": rx(r"\d{4}")})}
        ),
        "metadata": obj({"order_id": DIGITS}),
    },
    ("billing", "refunds"): {
        "id": rx(r"re_[A-Za-z0-9]{24}"),
        "object": enum("refund"),
        "amount": CENTS,
        "charge": rx(r"ch_\w+"),
        "created": UNIX,
        "currency": enum("usd"),
        "reason": enum("requested_by_customer", "duplicate", "fraudulent", None),
        "status": enum("pending", "succeeded", "failed"),
        "metadata": obj({"ticket_id": opt(DIGITS)}),
    },
    ("support", "users"): {
        "id": INT,
        "name": STR,
        "email": opt(STR),
        "phone": opt(STR),
        "role": enum("end-user", "agent", "admin"),
        "external_id": opt(SF18),
        "created_at": Z_TS,
        "updated_at": Z_TS,
        "time_zone": STR,
    },
    ("support", "groups"): {"id": INT, "name": STR, "created_at": Z_TS, "updated_at": Z_TS},
    ("support", "tickets"): {
        "id": INT,
        "created_at": Z_TS,
        "updated_at": Z_TS,
        "type": opt(STR),
        "subject": opt(STR),
        "status": enum("new", "open", "pending", "hold", "solved", "closed"),
        "priority": opt(STR),
        "requester_id": INT,
        "submitter_id": INT,
        "assignee_id": opt(INT),
        "group_id": opt(INT),
        "via": obj(
            {
                "channel": enum(
                    "email", "web", "chat", "voice", "mobile", "twitter", "facebook", "api"
                )
            }
        ),
        "tags": items_of(STR),
        "satisfaction_rating": obj(
            {"score": enum("unoffered", "offered", "good", "bad"), "comment": opt(STR)}
        ),
        "custom_fields": lambda v: (
            isinstance(v, list) and {f["id"] for f in v} == {360001, 360002, 360003}
        ),
    },
    ("support", "ticket_events"): {
        "id": INT,
        "ticket_id": INT,
        "created_at": Z_TS,
        "updater_id": lambda v: type(v) is int,
        "via": enum(
            "email", "web", "chat", "voice", "mobile", "twitter", "facebook", "api", "rule"
        ),
        "event_type": enum("Audit"),
        "child_events": items_of(
            lambda c: (
                c.get("event_type") in ("Create", "Change", "Comment")
                and (
                    isinstance(c.get("field_name"), str)
                    if c["event_type"] != "Comment"
                    else type(c.get("public")) is bool
                )
            )
        ),
    },
    ("contact_center", "contacts"): {
        "ContactId": UUID,
        "InitialContactId": UUID,
        "PreviousContactId": opt(UUID),
        "NextContactId": opt(UUID),
        "Channel": enum("VOICE", "CHAT"),
        "InitiationMethod": enum("INBOUND", "OUTBOUND", "TRANSFER", "CALLBACK", "API"),
        "InitiationTimestamp": Z_TS,
        "ConnectedToSystemTimestamp": opt(Z_TS),
        "DisconnectTimestamp": Z_TS,
        "DisconnectReason": opt(STR),
        "CustomerEndpoint": opt(
            obj({"Type": enum("TELEPHONE_NUMBER", "EMAIL_ADDRESS"), "Address": STR})
        ),
        "Queue": opt(
            obj(
                {
                    "Name": STR,
                    "EnqueueTimestamp": Z_TS,
                    "DequeueTimestamp": opt(Z_TS),
                    "Duration": INT,
                }
            )
        ),
        "Agent": opt(
            obj(
                {
                    k: INT
                    for k in (
                        "AgentInteractionDuration",
                        "CustomerHoldDuration",
                        "NumberOfHolds",
                        "LongestHoldDuration",
                        "AfterContactWorkDuration",
                    )
                }
            )
        ),
        "Attributes": lambda v: (
            isinstance(v, dict)
            and all(isinstance(x, str) for x in v.values())
            and v.get("intent")
            in ("order_status", "refund", "product_help", "billing", "account", "other")
        ),
    },
    ("digital", "events"): {
        "event_date": rx(r"\d{8}"),
        "event_timestamp": lambda v: type(v) is int and v > 1_400_000_000_000_000,
        "event_name": STR,
        "event_params": ga4_params,
        "user_id": opt(DIGITS),
        "user_pseudo_id": STR,
        "platform": enum("WEB", "IOS", "ANDROID"),
        "device": obj({"category": STR, "operating_system": STR}),
        "geo": obj({"country": STR, "region": STR}),
        "traffic_source": obj({"source": STR, "medium": STR, "name": STR}),
    },
}
EXTRA_KEYS = {
    ("shop", "orders"): {"source_identifier"},
    ("support", "tickets"): {"brand_id"},
    ("contact_center", "contacts"): {"Tags"},
    ("digital", "events"): {"privacy_info", "ecommerce", "items"},
}

CSV: dict[tuple[str, str], dict[str, Check]] = {
    ("crm", "contacts"): {
        "Id": SF18,
        "CreatedDate": SF_TS,
        "LastModifiedDate": SF_TS,
        "IsDeleted": enum("true", "false"),
        "HasOptedOutOfEmail": enum("true", "false"),
        "LoyaltyTier__c": enum("", "Bronze", "Silver", "Gold", "Platinum"),
        "Birthdate": rx(r"(\d{4}-\d\d-\d\d)?"),
        "Shop_Customer_Id__c": rx(r"\d*"),
    },
    ("marketing", "email_events"): {
        "Event ID": rx(r"[0-9A-Z]{26}"),
        "Profile ID": rx(r"[0-9A-Z]{26}"),
        "Timestamp": LOCAL_TS,
        "Event": enum(
            "Received Email",
            "Opened Email",
            "Clicked Email",
            "Unsubscribed",
            "Bounced Email",
            "Marked Email as Spam",
        ),
    },
    ("surveys", "responses"): {
        "StartDate": LOCAL_TS,
        "EndDate": LOCAL_TS,
        "RecordedDate": LOCAL_TS,
        "Status": enum("IP Address", "Survey Preview"),
        "Progress": lambda v: v.isdigit() and int(v) <= 100,
        "Finished": enum("True", "False"),
        "ResponseId": rx(r"R_[A-Za-z0-9]{15}"),
        "ExternalReference": rx(r"(003[A-Za-z0-9]{12}([A-Za-z0-9]{3})?)?"),
        "DistributionChannel": enum("email", "anonymous", "sms"),
        "Q1": lambda v: v == "" or (v.isdigit() and int(v) <= 10),
        "Q2": enum("", "1", "2", "3", "4", "5"),
        "Q3": enum("", *map(str, range(1, 8))),
        "trigger": enum("", "ticket_solved", "order_delivered", "relationship"),
        "ticket_id": rx(r"\d*"),
        "order_id": rx(r"\d*"),
    },
}
CSV_HEADERS = {
    ("crm", "contacts"): [
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "MobilePhone",
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
        "Birthdate",
        "HasOptedOutOfEmail",
        "LoyaltyTier__c",
        "Shop_Customer_Id__c",
        "CreatedDate",
        "LastModifiedDate",
        "IsDeleted",
    ],
    ("marketing", "email_events"): [
        "Event ID",
        "Profile ID",
        "Email",
        "Event",
        "Timestamp",
        "Campaign ID",
        "Campaign Name",
        "Subject",
    ],
    ("surveys", "responses"): [
        "StartDate",
        "EndDate",
        "Status",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "RecipientEmail",
        "ExternalReference",
        "DistributionChannel",
        "UserLanguage",
        "Q1",
        "Q2",
        "Q3",
        "Q4",
        "trigger",
        "ticket_id",
        "order_id",
    ],
}


def _failures(
    records: list[dict], spec: dict[str, Check], deleted_variant: bool = False
) -> list[dict]:
    bad = []
    for r in records:
        if deleted_variant and r.get("deleted") is True:
            ok = set(r) == {"id", "object", "deleted"}
        else:
            ok = all(check(r.get(k)) for k, check in spec.items())
        if not ok:
            bad.append(r)
    return bad


def _injected(company: Company, folder: str) -> dict[str, int]:
    return company.truth_json("defects.json")["per_entity"][folder]


@pytest.mark.parametrize("key", sorted(JSONL), ids=lambda k: "/".join(k))
def test_jsonl_records_follow_the_contract(company: Company, key: tuple[str, str]) -> None:
    parsed = company.entity(*key)
    injected = _injected(company, "/".join(key))
    assert parsed.records, key
    assert parsed.bad == injected["malformed_lines"]
    allowed = set(JSONL[key]) | EXTRA_KEYS.get(key, set())
    missing_key_files = {
        m["file"].rsplit("/", 1)[1] for m in company.truth_json("defects.json")["missing_columns"]
    }
    for r, f in zip(parsed.records, parsed.files, strict=True):
        assert set(r) <= allowed | {"deleted"}, (key, set(r) - allowed)
        if f.removesuffix(".gz") not in missing_key_files and not r.get("deleted"):
            assert set(JSONL[key]) <= set(r) | {
                k for k in JSONL[key] if k in ("ecommerce", "items")
            }, key
    failures = _failures(
        parsed.records, JSONL[key], deleted_variant=key == ("billing", "customers")
    )
    distinct = len({repr(sorted(r.items(), key=lambda kv: kv[0])) for r in failures})
    # only the injected out-of-domain values fail (a few may have been hit by a malformed line instead)
    assert injected["out_of_domain_records"] - injected["malformed_lines"] <= distinct
    assert distinct <= injected["out_of_domain_records"]


@pytest.mark.parametrize("key", sorted(CSV), ids=lambda k: "/".join(k))
def test_csv_records_follow_the_contract(company: Company, key: tuple[str, str]) -> None:
    parsed = company.entity(*key)
    injected = _injected(company, "/".join(key))
    assert parsed.records
    assert parsed.bad == injected["malformed_lines"]
    for name, header in parsed.headers.items():
        expected = CSV_HEADERS[key]
        extra = [c for c in header if c not in expected]
        assert extra in ([], ["Preferred_Store__c"], ["Flow ID"]), (name, extra)
        assert len([c for c in expected if c not in header]) <= 1, name
    failures = [
        r for r in parsed.records if not all(check(r[k]) for k, check in CSV[key].items() if k in r)
    ]
    distinct = len({tuple(sorted(r.items())) for r in failures})
    assert injected["out_of_domain_records"] - injected["malformed_lines"] <= distinct
    assert distinct <= injected["out_of_domain_records"]


def test_qualtrics_has_three_header_rows(company: Company) -> None:
    path = next((company.landing / "surveys" / "responses").glob("*.csv"))
    lines = path.read_text(encoding="utf-8").splitlines()
    import json

    assert lines[0].startswith("StartDate,EndDate,Status")
    assert "How likely are you to recommend" in lines[1]
    import csv

    row3 = next(csv.reader([lines[2]]))
    assert all("ImportId" in json.loads(cell) for cell in row3)


def test_ga4_event_date_is_new_york_date(company: Company) -> None:
    recs = company.entity("digital", "events").records
    checked = 0
    for r in recs[::50]:
        ts = r["event_timestamp"]
        if type(ts) is int and ts > 0:
            local = dt.datetime.fromtimestamp(ts / 1e6, NY)
            assert r["event_date"] == local.strftime("%Y%m%d")
            checked += 1
    assert checked > 100
    purchases = [r for r in recs if r["event_name"] == "purchase"]
    assert purchases and all(
        re.fullmatch(r"#\d+", p["ecommerce"]["transaction_id"]) for p in purchases
    )


def test_shopify_offsets_follow_dst(company: Company) -> None:
    """The window spans 2 November 2025: both -04:00 and -05:00 must appear, each correctly."""
    offsets = {r["created_at"][-6:] for r in company.entity("shop", "orders").records}
    assert offsets == {"-04:00", "-05:00"}
