"""Reading the input contract's files: ``sources/<system>/_system.yml`` + one YAML per entity.

The files are the one place a source is declared (README "Adding a source"); this module only
reads and validates them and knows nothing of loading. A file that breaks the schema stops the
import with an error naming the file and the field (``sources/loyalty/members.yml: columns.2.type:
...``), so a typo never becomes a silently different contract.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from privacy.classification import PII_KINDS, PiiLevel

#: The repository's contract folder.
SOURCES_DIR = Path(__file__).resolve().parent.parent / "sources"
SYSTEM_FILE = "_system.yml"

#: A DuckDB type name as the contract writes it (``VARCHAR``, ``DECIMAL(18,2)``, ``TIMESTAMPTZ``).
_TYPE_NAME = re.compile(r"[A-Z][A-Z0-9_]*(\([0-9]+(,[0-9]+)?\))?")

#: The person attributes and cross-system ids a column can carry for identity resolution
#: (the identity-record layout of docs/warehouse.md; ``full_name`` is split by staging).
IDENTITY_ROLES = frozenset(
    {
        "first_name",
        "last_name",
        "full_name",
        "email",
        "phone",
        "secondary_phone",
        "postal_code",
        "street",
        "city",
        "birth_date",
        "record_id",
        "shop_customer_id",
        "salesforce_contact_id",
        "stripe_customer_id",
        "zendesk_user_id",
    }
)

#: How the entity writes time (docs/extracts.md "Time"): staging converts each to UTC.
TimeConvention: TypeAlias = Literal["offset", "local", "unix_seconds", "unix_microseconds"]

FileType: TypeAlias = str | dict[str, "FileType"] | list["FileType"]


class ContractFileError(ValueError):
    """A contract file that cannot be read or breaks the schema; the message names file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_type(t: Any, where: str = "type") -> None:
    if isinstance(t, str):
        if not _TYPE_NAME.fullmatch(t):
            raise ValueError(
                f"{where}: {t!r} is not a DuckDB type name such as VARCHAR or DECIMAL(18,2)"
            )
    elif isinstance(t, dict):
        if not t:
            raise ValueError(f"{where}: a struct needs at least one field")
        for k, v in t.items():
            _check_type(v, f"{where}.{k}")
    elif isinstance(t, list):
        if len(t) != 1:
            raise ValueError(
                f"{where}: a list type is written as a one-element list [ELEMENT_TYPE]"
            )
        _check_type(t[0], f"{where}[]")
    else:
        raise ValueError(f"{where}: {t!r} is not a type (a name, a mapping or a one-element list)")


class ColumnFile(_Strict):
    name: Annotated[str, Field(min_length=1)]
    type: Any
    #: CSV: the column must be in the header; JSONL: the key must not be absent from a whole file.
    required: bool = True
    pii: PiiLevel | None = None
    pii_kind: str | None = None
    identity: str | None = None
    description: str | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: Any) -> Any:
        _check_type(value)
        return value

    @field_validator("identity")
    @classmethod
    def _identity(cls, value: str | None) -> str | None:
        if value is not None and value not in IDENTITY_ROLES:
            raise ValueError(f"{value!r} is not one of {sorted(IDENTITY_ROLES)}")
        return value

    @model_validator(mode="after")
    def _pii(self) -> ColumnFile:
        tagged = self.pii in (PiiLevel.DIRECT, PiiLevel.QUASI)
        if tagged and self.pii_kind not in PII_KINDS:
            raise ValueError(
                f"a {self.pii} column needs pii_kind, one of {sorted(PII_KINDS)}, not {self.pii_kind!r}"
            )
        if not tagged and self.pii_kind is not None:
            raise ValueError("pii_kind belongs to a column tagged pii: direct or quasi")
        return self


class QualityFile(_Strict):
    """Value rules beyond types, turned into the raw Great Expectations suite (quality/suites.py)."""

    not_null: list[str] | None = None
    enums: dict[str, list[str]] = {}
    ranges: dict[str, Annotated[list[int | float | None], Field(min_length=2, max_length=2)]] = {}
    patterns: dict[str, str] = {}
    open_enums: dict[str, list[str]] = {}
    rules: list[str] = []
    derived: dict[str, str] = {}


class EntityFile(_Strict):
    system: str
    entity: str
    description: str
    format: Literal["csv", "jsonl"]
    header_rows: Annotated[int, Field(ge=1)] = 1
    key: list[str]
    version_column: str | None = None
    variant_flag: str | None = None
    time_convention: TimeConvention
    columns: Annotated[list[ColumnFile], Field(min_length=1)]
    quality: QualityFile = QualityFile()

    @model_validator(mode="after")
    def _references(self) -> EntityFile:
        names = [c.name for c in self.columns]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"columns declared twice: {twice}")
        known = set(names)
        q = self.quality
        checked = known | set(q.derived)
        refs = {
            "key": self.key,
            "version_column": [self.version_column] if self.version_column else [],
            "variant_flag": [self.variant_flag] if self.variant_flag else [],
        }
        for where, cols in refs.items():
            for col in cols:
                if col not in known:
                    raise ValueError(f"{where}: {col!r} is not a declared column")
        quality_refs = {
            "quality.not_null": q.not_null or [],
            "quality.enums": list(q.enums),
            "quality.ranges": list(q.ranges),
            "quality.patterns": list(q.patterns),
            "quality.open_enums": list(q.open_enums),
            "quality.rules": q.rules,
        }
        for where, cols in quality_refs.items():
            for col in cols:
                if col not in checked:
                    raise ValueError(f"{where}: {col!r} is neither a column nor a derived column")
        if self.format == "jsonl" and self.header_rows != 1:
            raise ValueError("header_rows applies to CSV only")
        if self.format == "csv" and self.variant_flag:
            raise ValueError("variant_flag applies to JSONL only")
        return self


class FreshnessFile(_Strict):
    warn_after_days: Annotated[int, Field(ge=1)]


class SystemFile(_Strict):
    system: str
    description: str
    #: Entities in load order; every ``<entity>.yml`` of the folder is listed here.
    entities: Annotated[list[str], Field(min_length=1)]
    #: None: deliveries are not judged for lateness (dbt declares no freshness).
    freshness: FreshnessFile | None = None
    #: A system not every company has (the loyalty example): a landing folder without it is
    #: normal, not a warning. Its tables exist (empty) so that its models always build.
    optional: bool = False


class Contract(BaseModel):
    model_config = ConfigDict(frozen=True)

    systems: tuple[SystemFile, ...]
    entities: tuple[EntityFile, ...]


def _where(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _read(path: Path, model: type[BaseModel], root: Path) -> Any:
    shown = path.relative_to(root.parent) if path.is_relative_to(root.parent) else path
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContractFileError(f"{shown}: cannot be read as YAML: {error}") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in error.errors())
        raise ContractFileError(f"{shown}: {problems}") from error


def read_contract(root: Path = SOURCES_DIR) -> Contract:
    """Every system folder under ``root`` (alphabetical), its entities in the declared order."""
    if not root.is_dir():
        raise ContractFileError(f"{root}: the contract folder does not exist")
    systems: list[SystemFile] = []
    entities: list[EntityFile] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        system_path = folder / SYSTEM_FILE
        if not system_path.is_file():
            raise ContractFileError(f"{folder}: a system folder needs {SYSTEM_FILE}")
        system = _read(system_path, SystemFile, root)
        if system.system != folder.name:
            raise ContractFileError(
                f"{system_path}: system: {system.system!r} is not the folder name"
            )
        files = {p.stem: p for p in folder.glob("*.yml") if p.name != SYSTEM_FILE}
        unlisted = sorted(set(files) - set(system.entities))
        missing = sorted(set(system.entities) - set(files))
        if unlisted or missing:
            raise ContractFileError(
                f"{system_path}: entities: lists {system.entities}; "
                f"files not listed {unlisted}, listed without a file {missing}"
            )
        for name in system.entities:
            entity = _read(files[name], EntityFile, root)
            if (entity.system, entity.entity) != (system.system, name):
                raise ContractFileError(
                    f"{files[name]}: system/entity {entity.system}/{entity.entity} "
                    f"is not {system.system}/{name} (the file's folder and name)"
                )
            entities.append(entity)
        systems.append(system)
    return Contract(systems=tuple(systems), entities=tuple(entities))
