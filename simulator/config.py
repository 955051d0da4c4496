"""Every knob of the simulated company, with defaults that give a realistic small delivery.

Four groups: `DefectRates` (file and line defects of the contract's defect table),
`IdentityNoise` (how people's identifiers vary between systems, and the traps),
`Behaviour` (how often people browse, buy, call ...) and `Effects` (the planted
cause-and-effect relations that the warehouse must recover).  `SimulatorConfig.from_dict`
accepts a partial, nested JSON document: unknown keys are an error, missing keys keep
their defaults.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DefectRates:
    """Rates are per line (record) or per file, as named; 0 switches a class off."""

    malformed_line: float = 0.003  # CSV: unbalanced quote / wrong field count; JSONL: invalid JSON
    out_of_domain: float = 0.003  # NPS 11, negative amount, unknown enum ...
    duplicate_line: float = 0.005  # exact copy of a line elsewhere in the same file
    resent_record: float = 0.004  # the same line again in a file one or two days later
    empty_file: float = 0.01  # a day's export came out empty; its rows arrive the next day
    gzip_file: float = 0.15  # share of files written gzip-compressed
    bom_file: float = 0.5  # share of crm files with a UTF-8 byte-order mark (crm only)
    late_file: float = 0.01  # share of files that arrive days after their date (truth only)
    redelivered_file: float = 0.005  # share of files re-delivered with corrected content
    drift_from: float = 0.6  # fraction of the window after which new columns/keys appear
    missing_column_files: int = 1  # files in the whole delivery that lack a required column

    def scaled(self, factor: float) -> DefectRates:
        """All rates times factor (0 = a clean delivery); drift day and counts kept unless 0."""
        rates = {
            f.name: getattr(self, f.name) * factor
            for f in dataclasses.fields(self)
            if f.name not in ("drift_from", "missing_column_files", "gzip_file", "bom_file")
        }
        if factor == 0:
            rates["missing_column_files"] = 0
            rates["drift_from"] = 2.0  # never
        return dataclasses.replace(self, **rates)


@dataclass(frozen=True)
class IdentityNoise:
    email_case: float = 0.12  # "John.Smith@Gmail.com"
    email_whitespace: float = 0.06  # staff-typed e-mails with stray spaces (crm)
    gmail_variant: float = 0.2  # gmail dots moved or a +tag, for gmail users, self-entered
    typo: float = 0.012  # one character swapped, dropped or doubled
    nickname: float = 0.15  # "Bill" for William where staff or the person typed it
    changed_last_name: float = 0.03  # people with a former last name still used in older records
    missing_field: float = 0.04  # optional identifier left empty
    household_shared_email: float = 0.25  # multi-person households using one family e-mail
    household_shared_phone: float = 0.35  # multi-person households with a shared landline
    name_twins: float = 0.01  # unrelated people given the exact name of another person
    sf_id_15_chars: float = 0.2  # Qualtrics ExternalReference in the 15-character form
    # Conventions that differ between vendors and companies; 0 = off (the demo company).
    # The `vendor_conventions` profile (simulator/profiles/) switches them on.
    short_form: float = 0.0  # staff-typed first names cut to a short form ("Kath", "Jen", "Alex")
    email_derived_name: float = 0.0  # Zendesk end users created by e-mail named after the address
    form_email_typo: float = 0.0  # extra typo rate of e-mails typed into forms (Klaviyo, surveys)
    placeholder_email: float = 0.0  # CRM contacts whose e-mail staff filled with a placeholder
    uppercase_billing_name: float = 0.0  # Stripe names as on the card ("MARIA LOPEZ")


@dataclass(frozen=True)
class Behaviour:
    existing_share: float = 0.45  # people already customers before the window starts
    household_sizes: tuple[float, ...] = (0.45, 0.33, 0.12, 0.10)  # P(size = 1, 2, 3, 4)
    # person kinds: registered online shopper / guest online shopper / store shopper / newsletter only
    kind_shares: tuple[float, float, float, float] = (0.56, 0.08, 0.20, 0.16)
    sessions_per_year: float = 5.0  # median for people with devices (lognormal spread)
    anonymous_session_share: float = 0.25  # sessions of visitors who never identify themselves
    conversion: tuple[float, float, float] = (0.13, 0.11, 0.13)  # WEB, IOS, ANDROID before effects
    store_visits_per_year: float = 2.5
    dropout_after_order: float = 0.06  # BG/NBD-like: after each order a person may go silent
    campaign_every_days: int = 21  # newsletter cadence (plus fixed promotions)
    late_delivery: float = 0.12
    failed_delivery: float = 0.01
    cancel_rate: float = 0.025
    return_rate: float = 0.06  # orders that lead to a refund request
    order_status_contact: float = 0.04  # contacts about on-time orders ("where is it?")
    late_order_contact: float = 0.45  # ... and about late ones
    product_help_contact: float = 0.03  # set-up / how-to questions per order
    other_issues_per_year: float = 0.12  # account, billing, other, per person
    ticket_survey_response: float = 0.32
    delivery_survey_invite: float = 0.3
    delivery_survey_response: float = 0.15
    relationship_every_days: int = 90
    relationship_sample: float = 0.1
    relationship_response: float = 0.15
    unfinished_response: float = 0.1
    survey_previews_per_day: float = 0.15  # staff testing the survey (company-wide)
    zendesk_rating_response: float = 0.3


@dataclass(frozen=True)
class Effects:
    # NPS (Q1) of ticket_solved surveys: latent mean minus penalties, sd nps_sigma
    nps_mu0: float = 8.7
    nps_sigma: float = 1.9
    nps_per_handoff: float = 0.45  # capped at 3 handoffs
    nps_reopen: float = 0.6
    nps_refund_penalty: tuple[float, float, float] = (0.0, 0.8, 2.2)  # cycle <=24h, 24-72h, >72h
    # CSAT (Q2, and Zendesk good/bad) falls with hold time
    csat_mu0: float = 4.55
    csat_sigma: float = 0.85
    csat_per_hold_minute: float = 0.11  # capped at 20 minutes
    csat_per_handoff: float = 0.15
    # CES (Q3, 7 = very easy) falls with repeated identity checks
    ces_mu0: float = 6.1
    ces_sigma: float = 1.0
    ces_per_auth_repeat: float = 1.1  # capped at 3
    ces_per_transfer: float = 0.25
    # product launch
    launch_at: float = 0.5  # fraction of the window
    launch_sales_share: float = 0.14  # share of line items that are the new product after launch
    launch_contact_rate: float = 0.35  # set-up contacts per order containing it
    # channel parity: Android app conversion as a multiple of the base rate
    android_conversion_factor: float = 0.25
    # refunds: purchase-rate multiplier after a refund, by cycle <=24h, 24-72h, >72h
    refund_repurchase: tuple[float, float, float] = (1.0, 0.8, 0.45)
    # first service experience (first-contact resolution or not) multiplies purchase rate
    first_service_good: float = 1.4
    first_service_bad: float = 0.65
    late_delivery_nps_per_day: float = 0.35


@dataclass(frozen=True)
class SimulatorConfig:
    defects: DefectRates = field(default_factory=DefectRates)
    noise: IdentityNoise = field(default_factory=IdentityNoise)
    behaviour: Behaviour = field(default_factory=Behaviour)
    effects: Effects = field(default_factory=Effects)
    shard_size: int = 125_000  # people per shard; each shard writes its own .partNN files
    min_shards: int = 2  # split even small companies (>= 2 * min_shard_people) across workers
    min_shard_people: int = 2_500
    workers: int = 2  # processes; output does not depend on it
    gzip_level: int = 1  # fast; real exports vary and readers do not care

    def shards_for(self, customers: int) -> int:
        by_size = -(-customers // self.shard_size)
        by_min = min(self.min_shards, customers // self.min_shard_people)
        return max(1, by_size, by_min)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulatorConfig:
        return _build(cls, data, "config")

    @classmethod
    def from_json(cls, path: str | Path) -> SimulatorConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}")
    default = cls()
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        current = getattr(default, name)
        if dataclasses.is_dataclass(current):
            kwargs[name] = _build(type(current), value, f"{where}.{name}")
        elif isinstance(current, tuple):
            if len(value) != len(current):
                raise ValueError(f"{where}.{name}: expected {len(current)} values")
            kwargs[name] = tuple(float(v) for v in value)
        else:
            kwargs[name] = type(current)(value)
    return cls(**kwargs)
