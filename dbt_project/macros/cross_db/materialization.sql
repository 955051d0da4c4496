{#- The incremental staging models' materialization (macros/incremental_latest_version.sql):
    `incremental` (merged on the key) on DuckDB; on Spark a `merge` needs a Delta, Iceberg or Hudi
    table, which the local Parquet catalog is not, so Spark builds them whole (`table`) until the
    cluster's table format is chosen (docs/scale-out.md). -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization')()) }}
{%- endmacro %}
{% macro default__incremental_materialization() -%} {{ return('incremental') }} {%- endmacro %}
{% macro spark__incremental_materialization() -%} {{ return('table') }} {%- endmacro %}
