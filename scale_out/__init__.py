"""The Spark path (docs/scale-out.md): the same dbt project and marts on Apache Spark.

Needs the `spark` dependency group (`uv sync --group spark`) and Java 17; nothing else in
Touchpoint imports this package, so the DuckDB path runs without either.
"""
