"""The record layout identity resolution reads and writes, and the deterministic rules as data.

The input is one row per person-identifying source record (dbt model `int_identity_records`);
the output one row per record with its `customer_id`. Every explicit cross-system id is a
column; `ID_RULES` says which columns share a namespace, so a new link is a new column and one
line here, not new linking code.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The key of a source record, in the order it is sorted for determinism.
RECORD_KEY: tuple[str, ...] = ("source_system", "source_entity", "source_record_id")

#: Identifying attributes, as delivered (normalised by `identity.normalise`).
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "secondary_phone",
    "postal_code",
    "street",  # street address (number and street name; a unit may follow): CRM and shop only
    "city",
    "birth_date",
    "observed_at",
)


@dataclass(frozen=True)
class IdRule:
    """Records sharing a value of `column` within `namespace` are the same person.

    The rule's name (the column) becomes the record's `match_method` when it is the link.
    """

    column: str
    namespace: str


#: Explicit ids, strongest first (the order decides which rule names a record's match).
ID_RULES: tuple[IdRule, ...] = (
    IdRule("shop_customer_id", "shop_customer"),
    IdRule("salesforce_contact_id", "salesforce_contact"),
    IdRule("stripe_customer_id", "stripe_customer"),
    IdRule("zendesk_user_id", "zendesk_user"),
    IdRule("order_shop_customer_id", "shop_customer"),
    IdRule("ticket_requester_id", "zendesk_user"),
)

ID_COLUMNS: tuple[str, ...] = tuple(r.column for r in ID_RULES)
INPUT_COLUMNS: tuple[str, ...] = RECORD_KEY + ATTRIBUTE_COLUMNS + ID_COLUMNS

#: Contact points: shared values link records only through the guards (`identity.guards`).
#: Both phone columns are one namespace: a mobile in one system is the phone in another.
CONTACT_POINTS: dict[str, tuple[str, ...]] = {
    "email": ("email_key",),
    "phone": ("phone_e164", "secondary_phone_e164"),
}

#: Systems where people give their own contact details (accounts, marketing sign-ups, calls,
#: survey answers). A shared e-mail/phone belongs to whoever first used it in one of these;
#: CRM contacts (typed by staff) and billing details (a payer's) only link named records.
OWNERSHIP_SYSTEMS: tuple[str, ...] = ("shop", "support", "marketing", "contact_center", "surveys")

#: A person holds at most one record in each of these namespaces, so a merge that would put two
#: different values of one of them into a cluster is refused (unless explicit ids force it).
EXCLUSIVE_NAMESPACES: tuple[str, ...] = (
    "shop_customer",
    "salesforce_contact",
    "stripe_customer",
    "zendesk_user",
)

#: Optional prepared columns set by steward overrides (`identity.overrides`): per record, the
#: force-split pairs it is in ({pair: side}), and one id per (pair, side) so that the guards'
#: vectorised pre-check sees two sides of a pair in one component.
STEWARD_SPLIT_COLUMN = "steward_split_sides"
STEWARD_SPLIT_ID_COLUMN = "steward_split_id"

# match_method values besides the id rules and contact points
EMAIL_TYPO_SAME_SESSION = "email_typo_same_session"
EMAIL_NAMES_PERSON_SAME_SESSION = "email_names_person_same_session"
PROBABILISTIC = "probabilistic"
SINGLETON = "singleton"

#: Columns of the resolution output (`identity.resolved_records`).
OUTPUT_COLUMNS: tuple[str, ...] = (
    *RECORD_KEY,
    "customer_id",
    "match_method",
    "match_probability",
    "email_key",
    "phone_e164",
    "postal_code5",
)
