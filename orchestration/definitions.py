"""The Touchpoint code location: landing files -> raw -> dbt (staging, identity resolution in
Python, marts) -> quality gate -> published warehouse."""

from __future__ import annotations

import dagster as dg

from orchestration.defs import automation, clv, identity, ingestion, publish, quality, transform
from orchestration.lib.resources import WarehouseResource
from warehouse.settings import TouchpointPaths


def build_definitions(paths: TouchpointPaths | None = None) -> dg.Definitions:
    """Assemble the code location for one set of paths (flags/env, else the demo defaults)."""
    paths = paths or TouchpointPaths.resolve()
    paths.export_env()
    return dg.Definitions.merge(
        ingestion.defs,
        transform.defs,
        identity.defs,
        clv.defs,
        quality.defs,
        publish.defs,
        automation.defs,
        dg.Definitions(resources={"warehouse": WarehouseResource.from_paths(paths)}),
    )


defs = build_definitions()
