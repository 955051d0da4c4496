"""Ingestion: one asset per source entity, keyed like the dbt source (``[system, entity]``)."""

from orchestration.defs.ingestion.assets import build_ingestion_assets, defs

__all__ = ["build_ingestion_assets", "defs"]
