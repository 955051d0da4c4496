{#- On an engine that does not hold the raw layer itself (Spark), declare every dbt source as a
    view over the export ingestion leaves in TOUCHPOINT_SPARK_RAW_DIR
    (`<dir>/<schema>/<table>/`, warehouse/parquet_export.py). Runs before every build
    (on-run-start); on DuckDB the sources are the build database's own tables: nothing to do. -#}
{% macro register_parquet_sources() -%}
    {{ return(adapter.dispatch('register_parquet_sources')()) }}
{%- endmacro %}

{% macro default__register_parquet_sources() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__register_parquet_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('TOUCHPOINT_SPARK_RAW_DIR', '../.touchpoint/spark/raw') -%}
        {#- The pipeline names the tables it exported (a first run has no identity output yet
            when its first dbt step starts); unset, every declared source was exported. -#}
        {%- set exported = env_var('TOUCHPOINT_SPARK_SOURCES', '') -%}
        {%- set exported = exported.split(',') if exported else none -%}
        {%- set schemas = [] -%}
        {%- for source in graph.sources.values()
            if exported is none or (source.schema ~ '.' ~ source.identifier) in exported -%}
            {%- if source.schema not in schemas -%}
                {%- do run_query('create schema if not exists ' ~ source.schema) -%}
                {%- do schemas.append(source.schema) -%}
            {%- endif -%}
            {#- A view over the folder: Spark discovers the `_delivery_date=` partitions itself on
                every read, so a new delivery needs no metastore update. -#}
            {%- do run_query(
                "create or replace view " ~ source.schema ~ "." ~ source.identifier
                ~ " as select * from parquet.`" ~ raw_dir ~ "/" ~ source.schema ~ "/"
                ~ source.identifier ~ "`"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
