"""One sub-package per area of the asset graph; each exposes `defs: dagster.Definitions`."""
