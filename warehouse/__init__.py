"""The warehouse's storage conventions, shared by the pipeline (writer) and every reader.

This package imports neither Dagster nor dbt, so dashboards and notebooks stay light.
"""
