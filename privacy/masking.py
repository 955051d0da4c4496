"""What the analyst publication does to each tagged column: pseudonymise or generalise.

Direct identifiers become keyed hashes (`privacy.keys`): the same person's e-mail has the same
digest in every table, so joins and counts of distinct people still work, while the text is
gone. Quasi-identifiers are coarsened to what analysis needs: a postal code to its first three
characters (the US ZIP's sectional centre), a birth date to its year, free text with e-mail
addresses and phone numbers cut out. The SQL uses DuckDB functions registered here, so every
table is transformed inside DuckDB in one `CREATE TABLE ... AS SELECT`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.sqltypes import VARCHAR

from identity.normalise import map_unique, normalise_emails, normalise_name, normalise_phones
from privacy.classification import PiiLevel, PiiTag, scrub_free_text
from privacy.keys import keyed_hasher

POSTAL_CODE_CHARS = 3


class UntreatableColumnError(ValueError):
    """A personal column of a published table whose kind has no treatment."""


def register_masking_functions(con: duckdb.DuckDBPyConnection) -> None:
    """Register the `pii_*` functions the treatment SQL calls (the key is read once, here)."""
    hasher = keyed_hasher()

    def by_value(fn: Callable[[Any], Any]) -> Callable[[pa.Array], pa.Array]:
        def apply(values: pa.Array) -> pa.Array:
            return pa.array(map_unique(values.to_pylist(), fn), type=pa.string())

        return apply

    def hashed(normalise: Callable[[list], Any]) -> Callable[[pa.Array], pa.Array]:
        # A value the normaliser rejects (not an address, not a number) is still hashed, as
        # text: nothing leaves in clear, and equal texts keep equal digests.
        def apply(values: pa.Array) -> pa.Array:
            raw = values.to_pylist()
            keys = normalise(raw)
            texts = [
                key if key is not None else ((text or "").strip() or None)
                for key, text in zip(keys, raw, strict=True)
            ]
            return pa.array(map_unique(texts, hasher.text), type=pa.string())

        return apply

    functions = {
        "pii_hash_email": hashed(normalise_emails),
        "pii_hash_phone": hashed(normalise_phones),
        "pii_hash_name": hashed(lambda raw: [normalise_name(v) for v in raw]),
        "pii_hash_text": by_value(hasher.text),
        "pii_scrub_text": by_value(scrub_free_text),
        "pii_scrub_json": by_value(_scrub_json_text),
    }
    for name, fn in functions.items():
        con.create_function(
            name, fn, [VARCHAR], VARCHAR, type="arrow", null_handling="special", side_effects=False
        )


_DIRECT = {
    "email": "pii_hash_email({col}::varchar)",
    "phone": "pii_hash_phone({col}::varchar)",
    "name": "pii_hash_name({col}::varchar)",
    "address": "pii_hash_text({col}::varchar)",
}
_QUASI = {
    "postal_code": f"left(trim({{col}}::varchar), {POSTAL_CODE_CHARS})",
    "birth_date": "year({col})",
    "free_text": "pii_scrub_text({col}::varchar)",
}


def treatment_sql(column_sql: str, tag: PiiTag | None, where: str) -> str:
    """The SELECT expression publishing one column (`column_sql` quoted) as its tag requires."""
    if tag is None or tag.level is PiiLevel.NONE:
        return column_sql
    rules = _DIRECT if tag.level is PiiLevel.DIRECT else _QUASI
    if tag.kind not in rules:
        raise UntreatableColumnError(
            f"{where} is tagged {tag.level}/{tag.kind}, which the analyst publication cannot "
            f"treat; {tag.level} kinds it can: {sorted(rules)} (docs/privacy.md)"
        )
    return rules[tag.kind].format(col=column_sql)


def treatment_note(tag: PiiTag | None) -> str | None:
    """One sentence for a treated column's comment in the publication, None if untreated."""
    if tag is None or tag.level is PiiLevel.NONE:
        return None
    if tag.level is PiiLevel.DIRECT:
        return "Pseudonymised: keyed hash (HMAC-SHA256) of the normalised value."
    return {
        "postal_code": f"Generalised: first {POSTAL_CODE_CHARS} characters only.",
        "birth_date": "Generalised: year only.",
        "free_text": "E-mail addresses and phone numbers in the text are replaced by marks.",
    }.get(tag.kind or "")


def _scrub_json_text(text: str) -> str:
    """JSON with every string in it scrubbed of e-mails and phones (numbers stay numbers)."""
    try:
        document = json.loads(text)
    except ValueError:
        return scrub_free_text(text) or ""
    return json.dumps(_scrub_strings(document))


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_free_text(value)
    if isinstance(value, list):
        return [_scrub_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_strings(v) for k, v in value.items()}
    return value
