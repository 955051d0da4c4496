{#- A vendor column whose name is not a plain identifier (spaces, brackets), quoted the engine's
    way: "Duration (in seconds)" on DuckDB, `Duration (in seconds)` on Spark. Plain names (Birthdate)
    need no quotes: both engines match identifiers case-insensitively. -#}
{% macro vendor_column(name) -%}
    {{ return(adapter.dispatch('vendor_column')(name)) }}
{%- endmacro %}
{% macro default__vendor_column(name) -%} "{{ name }}" {%- endmacro %}
{% macro spark__vendor_column(name) -%} `{{ name }}` {%- endmacro %}

{#- A text in a strftime format (%Y%m%d ...) -> date; null when it does not parse. -#}
{% macro try_parse_date(column, format) -%}
    {{ return(adapter.dispatch('try_parse_date')(column, format)) }}
{%- endmacro %}
{% macro default__try_parse_date(column, format) -%}
    cast(try_strptime({{ column }}, '{{ format }}') as date)
{%- endmacro %}
{% macro spark__try_parse_date(column, format) -%}
    {%- set spark_format = format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') -%}
    cast(try_to_timestamp({{ column }}, '{{ spark_format }}') as date)
{%- endmacro %}
