"""How dbt resources appear in Dagster: groups mirror the dbt folders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject


class TouchpointDbtTranslator(DagsterDbtTranslator):
    """Models are grouped by folder (`staging_surveys`, `marts_journey`, ...); sources keep their
    default key `[source_name, table]`, which is exactly the ingestion asset's key."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        folders = props["fqn"][1:-1]  # drop the project name and the model name
        return spec.replace_attributes(group_name="_".join(folders) or "dbt")
