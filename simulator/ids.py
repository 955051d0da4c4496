"""Identifier formats of each vendor, unique across shards and deterministic.

Every shard draws from interleaved sequences (`base + n * shards + shard`), so ids never
collide between shards and do not depend on which worker ran a shard.  String ids
(Stripe, Salesforce, Klaviyo, Qualtrics) are a bijective scramble of such a number, so they
look random but stay unique.
"""

from __future__ import annotations

import hashlib
import math
import random
from functools import lru_cache

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_SF_CHECK = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


class Seq:
    """Interleaved integer sequence for one shard."""

    __slots__ = ("base", "n", "shard", "step")

    def __init__(self, base: int, shard: int, shards: int) -> None:
        self.base, self.shard, self.step, self.n = base, shard, shards, 0

    def __call__(self) -> int:
        v = self.base + self.n * self.step + self.shard
        self.n += 1
        return v


@lru_cache(maxsize=64)
def _multiplier(mod: int, salt: int) -> int:
    """A well-mixed odd multiplier coprime with mod (hash-derived, so every digit varies)."""
    digest = hashlib.sha256(f"{mod}:{salt}".encode()).digest() * 4
    a = int.from_bytes(digest, "big") % mod | 1
    while math.gcd(a, mod) != 1:
        a += 2
    return a


@lru_cache(maxsize=8)
def _pairs(alphabet: str) -> list[str]:
    return [a + b for a in alphabet for b in alphabet]


def scramble(n: int, width: int, alphabet: str = B62, salt: int = 0) -> str:
    """Bijective mix of n into `width` characters of `alphabet` (n < len(alphabet)**width)."""
    size = len(alphabet)
    mod = size**width
    x = (n + 1) * _multiplier(mod, salt) % mod
    pairs = _pairs(alphabet)
    base = size * size
    out = []
    for _ in range(width // 2):
        x, r = divmod(x, base)
        out.append(pairs[r])
    if width % 2:
        out.append(alphabet[x % size])
    return "".join(out)


def salesforce_id(n: int) -> str:
    """18-character Contact id: 15-char case-sensitive id plus its case-checksum suffix."""
    base = "0035g0" + scramble(n, 9, salt=17)
    suffix = []
    for i in range(3):
        bits = 0
        for j, ch in enumerate(base[i * 5 : i * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << j
        suffix.append(_SF_CHECK[bits])
    return base + "".join(suffix)


_PAIRS = [a + b for a in CROCKFORD for b in CROCKFORD]  # every 10-bit value as two characters


def ulid(t: int, rnd: random.Random) -> str:
    """Klaviyo-style 26-character ULID: 48-bit millisecond time, then 80 random bits.

    Unique with overwhelming probability (2**80 tails per millisecond)."""
    ms = t * 1000
    x = rnd.getrandbits(80)
    p = _PAIRS
    return (
        p[ms >> 40 & 1023]
        + p[ms >> 30 & 1023]
        + p[ms >> 20 & 1023]
        + p[ms >> 10 & 1023]
        + p[ms & 1023]
        + p[x >> 70]
        + p[x >> 60 & 1023]
        + p[x >> 50 & 1023]
        + p[x >> 40 & 1023]
        + p[x >> 30 & 1023]
        + p[x >> 20 & 1023]
        + p[x >> 10 & 1023]
        + p[x & 1023]
    )


def uuid4(rnd: random.Random) -> str:
    h = f"{rnd.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class IdFactory:
    """All id sequences of one shard.  Numeric bases mimic each vendor's id magnitudes."""

    def __init__(self, shard: int, shards: int) -> None:
        def seq(base: int) -> Seq:
            return Seq(base, shard, shards)

        self.shop_customer = seq(7_100_000_000_000)
        self.shop_order = seq(5_600_000_000_000)
        self.order_number = seq(1001)
        self.line_item = seq(14_800_000_000_000)
        self.fulfillment = seq(4_900_000_000_000)
        self.stripe_customer = seq(1)
        self.stripe_charge = seq(1)
        self.stripe_refund = seq(1)
        self.sf_contact = seq(1)
        self.zd_user = seq(380_000_000_000)
        self.zd_ticket = seq(10_001)
        self.zd_audit = seq(23_000_000_000_000)
        self.zd_child = seq(23_500_000_000_000)
        self.response = seq(1)
        self.device = seq(1)
        self.issue = seq(1)

    def stripe_customer_id(self) -> str:
        return "cus_" + scramble(self.stripe_customer(), 14, salt=3)

    def stripe_charge_id(self) -> str:
        return "ch_3" + scramble(self.stripe_charge(), 23, salt=7)

    def stripe_refund_id(self) -> str:
        return "re_3" + scramble(self.stripe_refund(), 23, salt=11)

    def sf_contact_id(self) -> str:
        return salesforce_id(self.sf_contact())

    def response_id(self) -> str:
        return "R_" + scramble(self.response(), 15, salt=13)

    def pseudo_id(self, first_seen: int) -> str:
        n = self.device()
        return f"{1_000_000_000 + (n * 2_654_435_761) % 8_999_999_999}.{first_seen}"
