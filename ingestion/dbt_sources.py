"""dbt's source declarations, written from the contract files so there is one copy of each fact.

``dbt_project/models/staging/<system>/_<system>__sources.yml`` is generated: the system's
description and freshness limit, each entity's table and description, and the columns that carry
a PII tag or a description (privacy/classification.py reads the tags from dbt's manifest).
``python -m ingestion.dbt_sources`` rewrites them; ``--check`` exits 1 naming the files that
differ (tests/sources runs it), so an edit to a generated file never goes unnoticed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingestion.contract import SPECS, EntitySpec
from ingestion.contract_files import SOURCES_DIR, SystemFile, read_contract

REPO_ROOT = Path(__file__).resolve().parent.parent
STAGING_DIR = REPO_ROOT / "dbt_project" / "models" / "staging"
_WIDTH = 100


def sources_path(system: str, staging_dir: Path = STAGING_DIR) -> Path:
    return staging_dir / system / f"_{system}__sources.yml"


def _text(value: str, indent: int, key: str = "description") -> list[str]:
    """``key: value`` on one line when it fits, else a folded block wrapped at the width."""
    pad = " " * indent
    one_line = f"{pad}{key}: {value}"
    if len(one_line) <= _WIDTH and ": " not in value and not value.startswith(("`", "'", '"')):
        return [one_line]
    lines, line = [f"{pad}{key}: >"], ""
    for word in value.split():
        if line and len(pad) + 2 + len(line) + 1 + len(word) > _WIDTH:
            lines.append(f"{pad}  {line}")
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(f"{pad}  {line}")
    return lines


def _column(spec_field: object, indent: int) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}- name: {spec_field.name}"]
    if spec_field.description:
        lines += _text(spec_field.description, indent + 2)
    if spec_field.pii:
        meta = {"pii": spec_field.pii}
        if spec_field.pii_kind:
            meta["pii_kind"] = spec_field.pii_kind
        inner = ", ".join(f"{k}: {v}" for k, v in meta.items())
        lines.append(f"{pad}  config: {{meta: {{{inner}}}}}")
    return lines


def render(system: SystemFile, specs: list[EntitySpec]) -> str:
    lines = [
        f"# Generated from sources/{system.system}/ by `python -m ingestion.dbt_sources`: edit the",
        '# contract files there, not this file (README "Adding a source").',
        "version: 2",
        "",
        "sources:",
        f"  - name: {system.system}",
        *_text(system.description, 4),
        "    schema: raw",
        "    loaded_at_field: _delivery_date  # the file's delivery date: quality/freshness.py",
    ]
    if system.freshness is not None:
        lines += [
            "    config:",
            "      freshness:",
            f"        warn_after: {{count: {system.freshness.warn_after_days}, period: day}}",
        ]
    lines.append("    tables:")
    for spec in specs:
        lines += [f"      - name: {spec.entity}", f"        identifier: {spec.table}"]
        lines += _text(spec.description, 8)
        columns = [f for f in spec.fields if f.pii or f.description]
        if columns:
            lines.append("        columns:")
            for f in columns:
                lines += _column(f, 10)
    return "\n".join(lines) + "\n"


def rendered(root: Path = SOURCES_DIR) -> dict[str, str]:
    """System name -> the text of its dbt sources file."""
    return {
        system.system: render(system, [s for s in SPECS if s.system == system.system])
        for system in read_contract(root).systems
    }


def stale_systems(staging_dir: Path = STAGING_DIR) -> list[str]:
    """Systems whose sources file under ``staging_dir`` differs from what the contract renders."""
    return [
        system
        for system, text in rendered().items()
        if not sources_path(system, staging_dir).exists()
        or sources_path(system, staging_dir).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file is out of date"
    )
    args = parser.parse_args(argv)
    stale = stale_systems()
    if args.check:
        if stale:
            files = [str(sources_path(system).relative_to(REPO_ROOT)) for system in stale]
            print(
                "out of date with sources/ (run `python -m ingestion.dbt_sources`): "
                + ", ".join(files),
                file=sys.stderr,
            )
            return 1
        return 0
    texts = rendered()
    for system in stale:
        path = sources_path(system)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(texts[system], encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
