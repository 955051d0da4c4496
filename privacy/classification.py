"""Which columns hold personal data: read from the dbt manifest, where every one is tagged.

Each dbt source and model column that holds personal data carries
`config: {meta: {pii: direct|quasi, pii_kind: ...}}` in its YAML; untagged columns are `none`.
`direct` identifies a person on its own (name, e-mail, phone, street address); `quasi`
identifies in combination with other facts (postal code, birth date, free text that may quote
an address). The kind says which treatment the analyst publication applies (docs/privacy.md).
This module reads the tags and recognises personal values; it changes no data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

PII_KEY = "pii"
PII_KIND_KEY = "pii_kind"


class PiiLevel(StrEnum):
    DIRECT = "direct"
    QUASI = "quasi"
    NONE = "none"


# What a tagged column holds; the publication treats each kind its own way.
PII_KINDS = frozenset(
    {"email", "phone", "name", "address", "postal_code", "birth_date", "free_text", "location"}
)


@dataclass(frozen=True)
class PiiTag:
    level: PiiLevel
    kind: str | None = None


@dataclass(frozen=True)
class Relation:
    """A table or view of the build database, as dbt names it."""

    schema: str
    name: str


class ClassificationError(ValueError):
    """A `pii` tag that is not one of the allowed values."""


@dataclass(frozen=True)
class Classification:
    """Every tagged column of every dbt source and model, by relation."""

    columns: Mapping[Relation, Mapping[str, PiiTag]]
    relations: frozenset[Relation] = frozenset()  # every source and model dbt knows

    def tag(self, schema: str, table: str, column: str) -> PiiTag | None:
        """The column's tag, or None when it carries none (read as `none`)."""
        return self.columns.get(Relation(schema, table), {}).get(column)

    def personal_columns(self, schema: str, table: str) -> dict[str, PiiTag]:
        """The relation's columns tagged `direct` or `quasi`."""
        tags = self.columns.get(Relation(schema, table), {})
        return {name: tag for name, tag in tags.items() if tag.level is not PiiLevel.NONE}

    @classmethod
    def from_manifest(cls, manifest_path: Path) -> Classification:
        manifest = json.loads(manifest_path.read_text())
        nodes = [
            node for node in manifest["nodes"].values() if node.get("resource_type") == "model"
        ] + list(manifest["sources"].values())
        columns: dict[Relation, dict[str, PiiTag]] = {}
        relations = set()
        for node in nodes:
            relation = Relation(node["schema"], node.get("identifier") or node["alias"])
            relations.add(relation)
            for name, column in node.get("columns", {}).items():
                tag = _tag_of(column, f"{node['unique_id']}.{name}")
                if tag is not None:
                    columns.setdefault(relation, {})[name] = tag
        return cls(columns, frozenset(relations))


def _tag_of(column: Mapping[str, Any], where: str) -> PiiTag | None:
    meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
    if PII_KEY not in meta:
        return None
    try:
        level = PiiLevel(meta[PII_KEY])
    except ValueError as error:
        raise ClassificationError(
            f"{where}: pii must be one of {[lv.value for lv in PiiLevel]}, not {meta[PII_KEY]!r}"
        ) from error
    kind = meta.get(PII_KIND_KEY)
    if level is not PiiLevel.NONE and kind not in PII_KINDS:
        raise ClassificationError(
            f"{where}: a {level} column needs pii_kind, one of {sorted(PII_KINDS)}, not {kind!r}"
        )
    return PiiTag(level, kind)


# Recognising personal values, for the test that no personal column goes untagged and the scan
# of the analyst publication. Deliberately broad: a false alarm costs a `pii: none` tag.
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# North American numbers as the source systems write them: +1 212 555 0147, (212) 555-0147,
# 212.555.0147, 2125550147. Not inside a longer run of letters and digits (a 64-hex digest, an
# order id) nor a dotted id such as Google Analytics' client id `9786864718.1695490112`.
PHONE_PATTERN = re.compile(
    r"(?<![0-9A-Za-z.])(?:\+?1[\s.-]?)?\(?[2-9][0-9]{2}\)?[\s.-]?[0-9]{3}[\s.-]?[0-9]{4}"
    r"(?![0-9A-Za-z]|\.[0-9])"
)
# Column names that say "a person's name" (not a product's, a queue's or an order's).
PERSON_NAME_COLUMN = re.compile(
    r"^(first|last|full|given|family|middle|billing|customer|contact|requester)_?name$"
    r"|^(firstname|lastname|name)$",
    re.IGNORECASE,
)


def personal_value_kinds(values: Iterable[object]) -> set[str]:
    """Which of `email`, `phone` the values contain (values are read as text)."""
    found: set[str] = set()
    for value in values:
        if value is None:
            continue
        text = str(value)
        if "email" not in found and EMAIL_PATTERN.search(text):
            found.add("email")
        if "phone" not in found and PHONE_PATTERN.search(text):
            found.add("phone")
        if len(found) == 2:
            break
    return found


def looks_like_person_name(column: str) -> bool:
    return bool(PERSON_NAME_COLUMN.match(column))


def scrub_free_text(text: str | None) -> str | None:
    """Free text with every e-mail address and phone number in it replaced by a mark."""
    if text is None:
        return None
    return PHONE_PATTERN.sub("[phone]", EMAIL_PATTERN.sub("[e-mail]", text))


@dataclass(frozen=True)
class UntaggedColumn:
    relation: Relation
    column: str
    holds: frozenset[str]  # email, phone, name

    def __str__(self) -> str:
        return f"{self.relation.schema}.{self.relation.name}.{self.column} ({', '.join(sorted(self.holds))})"


def untagged_personal_columns(
    con: Any, catalog: str, classification: Classification, sample: int = 20_000
) -> list[UntaggedColumn]:
    """Columns of dbt's sources and models in a built database (attached as `catalog`) that hold
    e-mails or phones (by value, up to `sample` distinct values) or a person's name (by column
    name), and carry no `pii` tag. A reviewed false alarm is tagged `pii: none`."""
    rows = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = ? ORDER BY schema_name, table_name, column_index",
        [catalog],
    ).fetchall()
    found = []
    for schema, table, column in rows:
        relation = Relation(schema, table)
        if relation not in classification.relations:
            continue
        if classification.tag(schema, table, column) is not None:
            continue
        quoted = '"' + column.replace('"', '""') + '"'
        values = con.execute(
            f'SELECT DISTINCT {quoted}::varchar FROM {catalog}."{schema}"."{table}" '
            f"WHERE {quoted} IS NOT NULL LIMIT {sample}"
        ).fetchall()
        holds = personal_value_kinds(value for (value,) in values)
        if looks_like_person_name(column):
            holds.add("name")
        if holds:
            found.append(UntaggedColumn(relation, column, frozenset(holds)))
    return found
