{#- One DuckDB schema per layer (staging, intermediate, marts), named exactly as configured:
    analysts and dashboards query `marts.<table>`, never a target-prefixed schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
