{#- A key of a JSON object as text (DuckDB's JSON type; a JSON string column on Spark, where the
    Parquet export keeps JSON as text). Null when the key is absent. -#}
{% macro json_text(json, key) -%}
    {{ return(adapter.dispatch('json_text')(json, key)) }}
{%- endmacro %}
{% macro default__json_text(json, key) -%} ({{ json }} ->> '{{ key }}') {%- endmacro %}
{% macro spark__json_text(json, key) -%} get_json_object({{ json }}, '$.{{ key }}') {%- endmacro %}
