"""Named simulator profiles: partial configurations (`SimulatorConfig.from_dict` documents).

`demo` is the default company. `vendor_conventions` is a second company whose systems follow
other, equally real conventions, so that identity resolution can be checked on data it was not
tuned to: staff cut first names short (`Kath`, `Jenn`, `Alex`) and type a placeholder when a
walk-in customer has no e-mail; Zendesk names requesters who wrote in by e-mail after their
address (`jsmith`, `maria.lopez`); Stripe keeps the cardholder name in capitals; sign-up and
survey forms carry more typos; more households share an e-mail and a landline; more namesakes.
"""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "demo": {},
    "vendor_conventions": {
        "noise": {
            "short_form": 0.25,
            "email_derived_name": 0.5,
            "form_email_typo": 0.04,
            "placeholder_email": 0.05,
            "uppercase_billing_name": 0.4,
            "nickname": 0.2,
            "typo": 0.02,
            "household_shared_email": 0.45,
            "household_shared_phone": 0.55,
            "name_twins": 0.02,
        },
    },
}


def profile_config(name: str) -> dict[str, Any]:
    """The partial configuration of a profile; a clear error for an unknown name."""
    if name not in PROFILES:
        raise ValueError(f"unknown simulator profile {name!r}; known: {sorted(PROFILES)}")
    return PROFILES[name]
