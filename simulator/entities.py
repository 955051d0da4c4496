"""The 15 delivered entities: file format, header, and which defects fit each.

`out_of_domain` lists how a value can leave its domain: for CSV a (column, bad value),
for JSONL a (regex on the rendered line, replacement).  Renderers emit keys in a fixed
order with compact separators, so the patterns are stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# entity keys (list indexes in the sink)
CRM_CONTACTS, SHOP_CUSTOMERS, SHOP_ORDERS, SHOP_PRODUCTS = 0, 1, 2, 3
BILLING_CUSTOMERS, BILLING_CHARGES, BILLING_REFUNDS = 4, 5, 6
SUPPORT_USERS, SUPPORT_GROUPS, SUPPORT_TICKETS, SUPPORT_EVENTS = 7, 8, 9, 10
CONNECT_CONTACTS, GA4_EVENTS, KLAVIYO_EVENTS, SURVEY_RESPONSES = 11, 12, 13, 14

CRM_HEADER = (
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
)
KLAVIYO_HEADER = (
    "Event ID",
    "Profile ID",
    "Email",
    "Event",
    "Timestamp",
    "Campaign ID",
    "Campaign Name",
    "Subject",
)
SURVEY_HEADER = (
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
)
SURVEY_QUESTIONS = (
    "Start Date",
    "End Date",
    "Response Type",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "Recorded Date",
    "Response ID",
    "Recipient Email",
    "External Data Reference",
    "Distribution Channel",
    "User Language",
    "How likely are you to recommend Harbor & Pine to a friend or colleague?",
    "Overall, how satisfied are you with your experience?",
    "How easy was it to get what you needed? (1 = very difficult, 7 = very easy)",
    "Is there anything else you would like to tell us?",
    "trigger",
    "ticket_id",
    "order_id",
)
_TZ = ',"timeZone":"America/New_York"'
SURVEY_IMPORT_IDS = tuple(
    [
        f'{{"ImportId":"{k}"{_TZ if k in ("startDate", "endDate", "recordedDate") else ""}}}'
        for k in (
            "startDate",
            "endDate",
            "status",
            "progress",
            "duration",
            "finished",
            "recordedDate",
            "_recordId",
            "recipientEmail",
            "externalDataReference",
            "distributionChannel",
            "userLanguage",
        )
    ]
    + [
        '{"ImportId":"QID1"}',
        '{"ImportId":"QID2"}',
        '{"ImportId":"QID3"}',
        '{"ImportId":"QID4_TEXT"}',
        '{"ImportId":"trigger"}',
        '{"ImportId":"ticket_id"}',
        '{"ImportId":"order_id"}',
    ]
)


@dataclass(frozen=True)
class EntitySpec:
    key: int
    system: str
    entity: str
    fmt: str  # "csv" | "jsonl"
    header_rows: tuple[tuple[str, ...], ...] = ()
    shared: bool = False  # company-wide (one file a day, written by shard 0) rather than per shard
    line_defects: bool = True  # tiny entities are spared line defects (one bad line is a big share)
    resend_ok: bool = True  # safe to re-send an old version later (not for delivery-order entities)
    bom: bool = False
    crlf: bool = False
    multiline: bool = False  # CSV fields may hold line breaks (serialised row by row)
    drift: tuple[str, str] | None = None  # (new column/key, value: CSV text or JSON literal)
    required: tuple[str, ...] = ()  # columns/keys the missing-column defect may remove
    out_of_domain: tuple[tuple[object, str], ...] = ()

    @property
    def ext(self) -> str:
        return self.fmt

    @property
    def folder(self) -> str:
        return f"{self.system}/{self.entity}"

    def compiled_domain(self) -> list[tuple[object, str]]:
        if self.fmt == "csv":
            header = self.header_rows[0]
            return [(header.index(col), bad) for col, bad in self.out_of_domain]  # type: ignore[arg-type]
        return [(re.compile(pat), rep) for pat, rep in self.out_of_domain]  # type: ignore[arg-type]


SPECS: tuple[EntitySpec, ...] = (
    EntitySpec(
        CRM_CONTACTS,
        "crm",
        "contacts",
        "csv",
        (CRM_HEADER,),
        bom=True,
        crlf=True,
        multiline=True,
        drift=("Preferred_Store__c", "SoHo"),
        required=("LastModifiedDate", "Email"),
        out_of_domain=(("LoyaltyTier__c", "Diamond"), ("HasOptedOutOfEmail", "Y")),
    ),
    EntitySpec(
        SHOP_CUSTOMERS,
        "shop",
        "customers",
        "jsonl",
        required=("updated_at",),
        out_of_domain=(
            (r'"state":"enabled"', '"state":"active"'),
            (r'"verified_email":(true|false)', '"verified_email":"yes"'),
        ),
    ),
    EntitySpec(
        SHOP_ORDERS,
        "shop",
        "orders",
        "jsonl",
        drift=("source_identifier", '"checkout-v2"'),
        required=("updated_at", "total_price"),
        out_of_domain=(
            (r'"total_price":"', '"total_price":"-'),
            (r'"financial_status":"paid"', '"financial_status":"captured"'),
            (r'"source_name":"web"', '"source_name":"amazon"'),
        ),
    ),
    EntitySpec(SHOP_PRODUCTS, "shop", "products", "jsonl", shared=True, line_defects=False),
    EntitySpec(
        BILLING_CUSTOMERS,
        "billing",
        "customers",
        "jsonl",
        resend_ok=False,
        required=("created",),
        out_of_domain=((r'"object":"customer"', '"object":"client"'),),
    ),
    EntitySpec(
        BILLING_CHARGES,
        "billing",
        "charges",
        "jsonl",
        resend_ok=False,
        required=("amount",),
        out_of_domain=(
            (r'"amount":(\d)', r'"amount":-\1'),
            (r'"status":"succeeded"', '"status":"complete"'),
        ),
    ),
    EntitySpec(
        BILLING_REFUNDS,
        "billing",
        "refunds",
        "jsonl",
        resend_ok=False,
        required=("charge",),
        out_of_domain=(
            (r'"amount":(\d)', r'"amount":-\1'),
            (r'"reason":"requested_by_customer"', '"reason":"customer_request"'),
        ),
    ),
    EntitySpec(
        SUPPORT_USERS,
        "support",
        "users",
        "jsonl",
        required=("role",),
        out_of_domain=((r'"role":"end-user"', '"role":"customer"'),),
    ),
    EntitySpec(SUPPORT_GROUPS, "support", "groups", "jsonl", shared=True, line_defects=False),
    EntitySpec(
        SUPPORT_TICKETS,
        "support",
        "tickets",
        "jsonl",
        drift=("brand_id", "360000123456"),
        required=("updated_at", "requester_id"),
        out_of_domain=(
            (r'"status":"[a-z]+"', '"status":"escalated"'),
            (r'"channel":"[a-z]+"', '"channel":"whatsapp"'),
        ),
    ),
    EntitySpec(
        SUPPORT_EVENTS,
        "support",
        "ticket_events",
        "jsonl",
        required=("ticket_id",),
        out_of_domain=((r'"event_type":"Audit"', '"event_type":"Notification"'),),
    ),
    EntitySpec(
        CONNECT_CONTACTS,
        "contact_center",
        "contacts",
        "jsonl",
        drift=("Tags", '{"brand":"harborandpine"}'),
        required=("InitiationTimestamp",),
        out_of_domain=(
            (r'"Channel":"VOICE"', '"Channel":"EMAIL"'),
            (r'"InitiationMethod":"INBOUND"', '"InitiationMethod":"QUEUE_TRANSFER"'),
        ),
    ),
    EntitySpec(
        GA4_EVENTS,
        "digital",
        "events",
        "jsonl",
        drift=("privacy_info", '{"analytics_storage":"Yes"}'),
        required=("event_timestamp",),
        out_of_domain=(
            (r'"platform":"[A-Z]+"', '"platform":"WINDOWS"'),
            (r'"event_timestamp":', '"event_timestamp":-'),
        ),
    ),
    EntitySpec(
        KLAVIYO_EVENTS,
        "marketing",
        "email_events",
        "csv",
        (KLAVIYO_HEADER,),
        drift=("Flow ID", ""),
        required=("Timestamp",),
        out_of_domain=(("Event", "Email Forwarded"), ("Timestamp", "2026-02-30 25:61:00")),
    ),
    EntitySpec(
        SURVEY_RESPONSES,
        "surveys",
        "responses",
        "csv",
        (SURVEY_HEADER, SURVEY_QUESTIONS, SURVEY_IMPORT_IDS),
        crlf=True,
        multiline=True,
        required=("ResponseId",),
        out_of_domain=(("Q1", "11"), ("Q2", "6"), ("Q3", "0"), ("Status", "Spam")),
    ),
)
