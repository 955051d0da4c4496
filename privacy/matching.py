"""Find a person's rows by keyed hashes: the one matcher erasure and suppression share.

A person is a set of keyed hashes of *tokens*: `email:<identity key>`, `phone:<E.164>` and
`record:<system/entity>/<id>` (the forms identity resolution compares, `identity.normalise`).
For a relation (a raw table, or the rows a delivery has just staged) the matcher hashes the
distinct values of each identifier `privacy.person_identifiers` declares, once, and keeps them
in temp tables; a row matches when any of its values hashes into the person's set. Only the
hashes are ever compared, so the suppression list never needs a clear value.

Free text (a quarantined line, a check's sample values) has no columns: its e-mail addresses
and phone numbers are found with patterns and hashed the same way.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import duckdb
import pyarrow as pa

from identity.normalise import normalise_emails, normalise_phones
from privacy.keys import keyed_hasher
from privacy.person_identifiers import EntityIdentifiers, Identifier

#: Temp table holding the person's (or the suppression list's) hashes: one column `hash`.
PERSON_TABLE = "_privacy_person"

# Deliberately loose: a false candidate only costs a hash; a missed address would stay.
EMAIL_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
PHONE_PATTERN = r"\+?\(?[0-9][0-9 ().\-]{6,}[0-9]"

_names = itertools.count()


def tokens(kind: str, values: Iterable[object], namespace: str | None = None) -> list[str | None]:
    """The token of each value (None where the value is no e-mail / phone at all)."""
    values = list(values)
    if kind == "email":
        return [None if v is None else f"email:{v}" for v in normalise_emails(values)]
    if kind == "phone":
        return [None if v is None else f"phone:{v}" for v in normalise_phones(values)]
    return [None if v is None else f"record:{namespace}/{v}" for v in values]


def hash_tokens(values: Iterable[str | None]) -> list[str | None]:
    hasher = keyed_hasher()
    return [hasher.text(t) if t is not None else None for t in values]


def load_person(con: duckdb.DuckDBPyConnection, hashes: Iterable[str]) -> None:
    """(Re)create the person table from hashes."""
    _temp_table(con, PERSON_TABLE, pa.table({"hash": pa.array(sorted(set(hashes)), pa.string())}))


def add_to_person(con: duckdb.DuckDBPyConnection, hashes: Iterable[str]) -> int:
    """Add hashes to the person table; returns how many were new."""
    new = pa.table({"hash": pa.array(sorted(set(hashes)), pa.string())})
    name = _temp_table(con, f"_privacy_new_{next(_names)}", new)
    try:
        (added,) = con.execute(
            f"SELECT count(*) FROM {name} WHERE hash NOT IN (SELECT hash FROM {PERSON_TABLE})"
        ).fetchone()
        con.execute(
            f"INSERT INTO {PERSON_TABLE} SELECT hash FROM {name} "
            f"WHERE hash NOT IN (SELECT hash FROM {PERSON_TABLE})"
        )
    finally:
        con.execute(f"DROP TABLE {name}")
    return added


class RelationMatcher:
    """A relation's identifiers hashed once; `predicate()` selects the rows of the person held in
    PERSON_TABLE, `own_hashes(where)` gives the hashes of the matching rows' own ids."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        relation: str,
        entity: EntityIdentifiers,
        prefix: str = "_privacy_map",
    ) -> None:
        self.con = con
        self.relation = relation
        self.entity = entity
        self._maps: list[tuple[Identifier, str]] = []
        for identifier in entity.identifiers:
            table = self._hash_map(identifier, prefix)
            if table is not None:
                self._maps.append((identifier, table))

    def _hash_map(self, identifier: Identifier, prefix: str) -> str | None:
        """A temp table of the identifier's distinct values and their hashes; None when the
        relation lacks its column (a delivery without an optional column holds no value)."""
        sql = f"({identifier.sql})::VARCHAR"
        try:
            rows = self.con.execute(
                f"SELECT DISTINCT {sql} FROM {self.relation} WHERE {sql} IS NOT NULL"
            ).fetchall()
        except duckdb.BinderException:
            return None
        values = [v for (v,) in rows]
        hashes = hash_tokens(tokens(identifier.kind, values, identifier.namespace))
        kept = [(v, h) for v, h in zip(values, hashes, strict=True) if h is not None]
        table = pa.table(
            {
                "value": pa.array([v for v, _ in kept], pa.string()),
                "hash": pa.array([h for _, h in kept], pa.string()),
            }
        )
        return _temp_table(self.con, f"{prefix}_{next(_names)}", table)

    def predicate(self) -> str:
        """SQL condition on the relation's rows: the row holds one of the person's values."""
        return self._any_in_person(self._maps)

    def own_predicate(self) -> str:
        """SQL condition: one of the row's own ids is the person's."""
        own = [(i, t) for i, t in self._maps if self._is_own(i)]
        return self._any_in_person(own)

    def own_hashes(self, where: str) -> set[str]:
        """Hashes of the own ids of the relation's rows satisfying `where`."""
        return self._hashes(where, [(i, t) for i, t in self._maps if self._is_own(i)])

    def contact_hashes(self, where: str) -> set[str]:
        """Hashes of the e-mails and phones of the relation's rows satisfying `where`."""
        return self._hashes(where, [(i, t) for i, t in self._maps if i.kind != "record"])

    def _is_own(self, identifier: Identifier) -> bool:
        return (
            identifier.kind == "record"
            and self.entity.own.get(identifier.namespace or "") == identifier.sql
        )

    def _any_in_person(self, maps: list[tuple[Identifier, str]]) -> str:
        if not maps:
            return "false"
        return " OR ".join(
            f"({identifier.sql})::VARCHAR IN (SELECT value FROM {table} "
            f"WHERE hash IN (SELECT hash FROM {PERSON_TABLE}))"
            for identifier, table in maps
        )

    def _hashes(self, where: str, maps: list[tuple[Identifier, str]]) -> set[str]:
        found: set[str] = set()
        for identifier, table in maps:
            found |= {
                h
                for (h,) in self.con.execute(
                    f"SELECT DISTINCT m.hash FROM {self.relation} r JOIN {table} m "
                    f"ON ({identifier.sql})::VARCHAR = m.value WHERE {where}"
                ).fetchall()
            }
        return found

    def close(self) -> None:
        for _, table in self._maps:
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        self._maps = []


def free_text_hashes(texts: Iterable[str | None]) -> list[set[str]]:
    """Per text, the hashes of the e-mail addresses and phone numbers it contains."""
    email_re, phone_re = re.compile(EMAIL_PATTERN), re.compile(PHONE_PATTERN)
    out = []
    for text in texts:
        if not text:
            out.append(set())
            continue
        found = tokens("email", email_re.findall(text)) + tokens("phone", phone_re.findall(text))
        out.append({h for h in hash_tokens(found) if h is not None})
    return out


def _temp_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> str:
    # imported here: ingestion imports this module while its package is initialised
    from ingestion.stage import temp_table

    temp_table(con, name, table)
    return name
