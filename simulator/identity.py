"""Identity noise: how one person's identifiers come out in each system.

The person holds canonical values (lower-case e-mail, 10-digit phone, full first name);
each system record draws its own rendering once, when created, so a CRM contact keeps
the spacing its typist gave the e-mail while the Shopify account carries a gmail +tag.
"""

from __future__ import annotations

import random

from .config import IdentityNoise

PHONE_FORMATS = ("({a}) {b}-{c}", "{a}.{b}.{c}", "+1 {a} {b} {c}", "{a}{b}{c}")
_TYPO_DOMAINS = {
    "gmail.com": "gmial.com",
    "yahoo.com": "yaho.com",
    "hotmail.com": "hotmial.com",
    "outlook.com": "outlok.com",
    "icloud.com": "icloud.co",
}


def e164(phone: str) -> str:
    return "+1" + phone


def typo(s: str, rnd: random.Random) -> str:
    """Swap, drop or double one character of the local part (never the '@')."""
    at = s.find("@")
    end = at if at > 1 else len(s)
    if end < 3:
        return s
    i = rnd.randrange(1, end - 1)
    kind = rnd.randrange(3)
    if kind == 0:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if kind == 1:
        return s[:i] + s[i + 1 :]
    return s[:i] + s[i] + s[i:]


class IdentityNoiser:
    def __init__(
        self, noise: IdentityNoise, nicknames: dict[str, tuple[str, ...]], rnd: random.Random
    ) -> None:
        self.n = noise
        self.nicknames = nicknames
        self.rnd = rnd

    # ---- e-mail
    def email(
        self,
        email: str | None,
        *,
        staff_typed: bool = False,
        self_entered: bool = False,
        optional: bool = True,
        form: bool = False,
    ) -> str | None:
        """An e-mail as a system stores it; None when the field was left empty.

        `form`: typed into a sign-up or survey form, where nothing checks it against an account
        (`IdentityNoise.form_email_typo` adds typos there)."""
        if email is None:
            return None
        r = self.rnd.random
        n = self.n
        if optional and r() < n.missing_field:
            return None
        local, _, domain = email.partition("@")
        if self_entered and domain == "gmail.com" and r() < n.gmail_variant:
            if r() < 0.5 and "." in local:
                local = local.replace(".", "", 1)
            elif r() < 0.5:
                local = local + "+" + self.rnd.choice(("shop", "promo", "orders", "news"))
            else:
                i = self.rnd.randrange(1, max(2, len(local)))
                local = (
                    local[:i] + "." + local[i:]
                    if local[i - 1] != "." and local[i : i + 1] != "."
                    else local
                )
        out = f"{local}@{domain}"
        if r() < n.typo * (2 if staff_typed else 1):
            out = (
                typo(out, self.rnd) if r() < 0.7 else f"{local}@{_TYPO_DOMAINS.get(domain, domain)}"
            )
        if form and n.form_email_typo and r() < n.form_email_typo:
            out = (
                typo(out, self.rnd) if r() < 0.7 else f"{local}@{_TYPO_DOMAINS.get(domain, domain)}"
            )
        if r() < n.email_case * (2 if staff_typed else 1):
            out = out.upper() if r() < 0.2 else _title_email(out)
        if staff_typed and r() < n.email_whitespace:
            out = self.rnd.choice((" ", "", "  ")) + out + self.rnd.choice((" ", "\t", ""))
        return out

    # ---- phone
    def phone_text(self, phone: str | None, *, optional: bool = True) -> str | None:
        """Free-text phone in one of the formats people and staff type."""
        if phone is None or (optional and self.rnd.random() < self.n.missing_field):
            return None
        fmt = PHONE_FORMATS[self.rnd.randrange(len(PHONE_FORMATS))]
        return fmt.format(a=phone[:3], b=phone[3:6], c=phone[6:])

    def phone_e164(self, phone: str | None, *, missing: float = 0.0) -> str | None:
        if phone is None or self.rnd.random() < missing:
            return None
        return e164(phone)

    # ---- names
    def first_name(self, first: str, *, nickname_weight: float = 1.0) -> str:
        nicks = self.nicknames.get(first)
        if nicks and self.rnd.random() < self.n.nickname * nickname_weight:
            return nicks[self.rnd.randrange(len(nicks))]
        return first

    def staff_first_name(self, first: str, *, nickname_weight: float = 1.0) -> str:
        """A first name typed by staff: a nickname, or (`short_form`) the name cut short."""
        name = self.first_name(first, nickname_weight=nickname_weight)
        if name == first and self.n.short_form and self.rnd.random() < self.n.short_form:
            return short_form(first)
        return name

    def placeholder_email(self, email: str | None) -> str | None:
        """What staff type when the customer gives no e-mail but the form insists on one."""
        if self.n.placeholder_email and self.rnd.random() < self.n.placeholder_email:
            return PLACEHOLDER_EMAIL
        return email

    def billing_name(self, first: str, last: str) -> str:
        name = f"{first} {last}"
        if self.n.uppercase_billing_name and self.rnd.random() < self.n.uppercase_billing_name:
            return name.upper()
        return name

    def last_name(self, last: str, former: str | None) -> str:
        return former if former is not None and self.rnd.random() < 0.5 else last

    def postal(self, zip5: str) -> str:
        r = self.rnd.random()
        if zip5.startswith("0") and r < 0.5:
            return zip5.lstrip("0")
        if r > 0.85:
            return f"{zip5}-{self.rnd.randrange(10000):04d}"
        return zip5


PLACEHOLDER_EMAIL = "noemail@harborpine.com"
_VOWELS = set("aeiouy")
_DIGRAPHS = ("th", "ph", "ch", "sh", "ck")


def short_form(first: str) -> str:
    """The name cut after its first syllable, as staff abbreviate: Katherine -> Kath,
    Jennifer -> Jenn, Alexander -> Alex, Stephanie -> Steph; names under 5 letters stay whole."""
    if len(first) < 5:
        return first
    low = first.lower()
    i = 0
    while i < len(low) and low[i] not in _VOWELS:  # leading consonants
        i += 1
    while True:  # a vowel group, then one consonant (two for a digraph or a double letter)
        while i < len(low) and low[i] in _VOWELS:
            i += 1
        i += 2 if (low[i : i + 2] in _DIGRAPHS or low[i : i + 1] * 2 == low[i : i + 2]) else 1
        if i >= 3 or i >= len(low):
            break
    return first[:i] if i < len(first) - 1 else first


def _title_email(e: str) -> str:
    local, _, domain = e.partition("@")
    return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
