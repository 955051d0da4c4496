"""Landing files -> DuckDB raw layer. Pure Python + DuckDB (no Dagster), so tests and the
benchmark use it directly and Dagster assets are thin wrappers (orchestration/defs/ingestion).

Public API:
    SPECS, ENTITIES, get_spec, EntitySpec, Field  - the input contract as data
    ingest_entity, ingest_all, EntityLoadResult  - load one / every entity
    ingest_concurrently, EntityOutcome           - load entities two at a time (both cores)
    reconcile, Reconciliation                    - rows read = loaded + quarantined + duplicate
    IngestionError                               - a load stopped by a full disk or memory
    LEDGER, QUARANTINE, AUDIT                    - table names of the bookkeeping tables
"""

from ingestion.contract import ENTITIES, SPECS, EntitySpec, Field, get_spec
from ingestion.errors import IngestionError
from ingestion.loader import (
    EntityLoadResult,
    EntityOutcome,
    ingest_all,
    ingest_concurrently,
    ingest_entity,
    new_load_id,
)
from ingestion.reconciliation import Reconciliation, reconcile
from ingestion.schema import AUDIT, LEDGER, QUARANTINE, RAW_SCHEMA

__all__ = [
    "AUDIT",
    "ENTITIES",
    "LEDGER",
    "QUARANTINE",
    "RAW_SCHEMA",
    "SPECS",
    "EntityLoadResult",
    "EntityOutcome",
    "EntitySpec",
    "Field",
    "IngestionError",
    "Reconciliation",
    "get_spec",
    "ingest_all",
    "ingest_concurrently",
    "ingest_entity",
    "new_load_id",
    "reconcile",
]
