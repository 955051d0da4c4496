"""The input contract (docs/extracts.md) as data: one declarative spec per entity.

The contract is declared in YAML, one file per entity under ``sources/<system>/`` (read and
validated by :mod:`ingestion.contract_files`); this module turns it into the :class:`EntitySpec`
every loader, DDL statement, reconciliation, quality suite and dbt source declaration is derived
from, so a contract change - or a new source (README "Adding a source") - is made there once.
Types are DuckDB types written as a small nested structure:

- a scalar is a DuckDB type name (``"BIGINT"``, ``"TIMESTAMPTZ"``, ``"JSON"`` ...);
- a ``dict`` is a STRUCT (key order = field order);
- a one-element ``list`` is a LIST of its element type.

Raw keeps what the vendor delivered: source column names unchanged, Stripe unix seconds and GA4
microseconds as BIGINT, local times without an offset (Klaviyo, Qualtrics) as naive TIMESTAMP
(staging converts them from America/New_York), timestamps with an offset or ``Z`` as TIMESTAMPTZ,
nested objects as STRUCTs, and free-form maps (Stripe ``metadata``, Connect ``Attributes``) as
JSON so that no key is lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

from ingestion.contract_files import SOURCES_DIR, EntityFile, SystemFile, read_contract

DuckType: TypeAlias = str | dict[str, "DuckType"] | list["DuckType"]

#: Lineage columns appended to every raw table, in this order.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),  # path relative to the landing folder
    ("_delivery_date", "DATE"),  # from the file name
    ("_row_number", "BIGINT"),  # 1-based record number in the file (CSV: data row, JSONL: line)
    ("_load_id", "VARCHAR"),
    ("_loaded_at", "TIMESTAMPTZ"),
    ("_record_hash", "UBIGINT"),  # hash of the delivered record text, for duplicates and diffs
)
#: JSONL only: top-level keys that are not in the contract (additive drift), as one JSON object.
EXTRA_COLUMN = "_extra"


def render_type(t: DuckType) -> str:
    """The DuckDB type string of a spec type, e.g. ``STRUCT("id" BIGINT)[]``."""
    if isinstance(t, dict):
        inner = ", ".join(f"{quote_ident(k)} {render_type(v)}" for k, v in t.items())
        return f"STRUCT({inner})"
    if isinstance(t, list):
        return f"{render_type(t[0])}[]"
    return t


def json_structure(t: DuckType) -> object:
    """The structure argument of DuckDB's ``from_json`` for a spec type."""
    if isinstance(t, dict):
        return {k: json_structure(v) for k, v in t.items()}
    if isinstance(t, list):
        return [json_structure(t[0])]
    return t


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Field:
    """One column (CSV) or top-level key (JSONL).

    ``required``: for CSV the column must be in the header; for JSONL the key must not be absent
    from every record of a file (a null-valued key may be omitted, so per-record absence is a
    null, which the quality suites judge). Either way a file that breaks it is rejected.
    """

    name: str
    type: DuckType
    required: bool = True
    #: privacy classification (privacy/classification.py): "direct", "quasi", "none" or None
    pii: str | None = None
    pii_kind: str | None = None
    #: the person attribute or cross-system id the column carries for identity resolution
    identity: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class QualityRules:
    """What the contract says about values, beyond the types ingestion already enforces: the
    raw Great Expectations suite is built from it (quality/suites.py)."""

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


@dataclass(frozen=True)
class EntitySpec:
    system: str
    entity: str
    format: Literal["csv", "jsonl"]
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # the record's identity ((), GA4 events have none)
    #: Update timestamp that orders versions; None = versions ordered by delivery, then position.
    version_column: str | None = None
    #: CSV: header records before the data (Qualtrics: ids, question texts, ImportIds).
    header_rows: int = 1
    #: JSONL: records with this boolean key true are a reduced variant (Stripe deletion records)
    #: exempt from the required-key rule.
    variant_flag: str | None = None
    #: how the entity writes time: offset, local (business time zone), unix_seconds/_microseconds
    time_convention: str = "offset"
    description: str = ""
    #: the system is one a company may not have: a missing folder is no warning
    optional: bool = False
    quality: QualityRules = field(default_factory=QualityRules)

    @property
    def table(self) -> str:
        """Unqualified raw table name, e.g. ``surveys__responses``."""
        return f"{self.system}__{self.entity}"

    @property
    def qualified_table(self) -> str:
        return f"raw.{self.table}"

    @property
    def asset_key(self) -> list[str]:
        """Equal to the dbt source key, so lineage joins up with no glue code."""
        return [self.system, self.entity]

    @property
    def ext(self) -> str:
        return self.format

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def json_structure(self) -> str:
        return json.dumps({f.name: json_structure(f.type) for f in self.fields})

    def columns(self) -> list[tuple[str, str]]:
        """Contract columns then lineage columns (JSONL also ``_extra``) as (name, DuckDB type)."""
        cols = [(f.name, render_type(f.type)) for f in self.fields]
        if self.format == "jsonl":
            cols.append((EXTRA_COLUMN, "JSON"))
        return cols + list(LINEAGE_COLUMNS)


def _spec(entity: EntityFile, system: SystemFile) -> EntitySpec:
    q = entity.quality
    return EntitySpec(
        system=entity.system,
        entity=entity.entity,
        format=entity.format,
        fields=tuple(
            Field(
                c.name,
                c.type,
                c.required,
                pii=c.pii.value if c.pii else None,
                pii_kind=c.pii_kind,
                identity=c.identity,
                description=c.description,
            )
            for c in entity.columns
        ),
        key=tuple(entity.key),
        version_column=entity.version_column,
        header_rows=entity.header_rows,
        variant_flag=entity.variant_flag,
        time_convention=entity.time_convention,
        description=entity.description,
        optional=system.optional,
        quality=QualityRules(
            not_null=tuple(q.not_null) if q.not_null is not None else None,
            enums={k: tuple(v) for k, v in q.enums.items()},
            ranges={k: (v[0], v[1]) for k, v in q.ranges.items()},
            patterns=dict(q.patterns),
            open_enums={k: tuple(v) for k, v in q.open_enums.items()},
            rules=tuple(q.rules),
            derived=dict(q.derived),
        ),
    )


def load_specs(root: Path = SOURCES_DIR) -> tuple[EntitySpec, ...]:
    """The entity specs declared by the contract files under ``root`` (``sources/``)."""
    contract = read_contract(root)
    systems = {s.system: s for s in contract.systems}
    return tuple(_spec(e, systems[e.system]) for e in contract.entities)


#: The contract, read once at import from ``sources/`` (a broken file fails the import, naming it).
SPECS: tuple[EntitySpec, ...] = load_specs()

ENTITIES: dict[tuple[str, str], EntitySpec] = {(s.system, s.entity): s for s in SPECS}
SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(s.system for s in SPECS))


def get_spec(system: str, entity: str) -> EntitySpec:
    try:
        return ENTITIES[(system, entity)]
    except KeyError:
        raise KeyError(f"{system}/{entity} is not an entity of the input contract") from None
