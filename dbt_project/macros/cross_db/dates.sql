{#- Whole `part`s (second, minute, hour, day) from `start` to `end`, counted as DuckDB's
    date_diff counts them. dbt.datediff on Spark asserts its arguments are not null (a null
    would fail the query), where a missing time here must give null. -#}
{% macro date_diff(part, start, end) -%}
    {{ return(adapter.dispatch('date_diff')(part, start, end)) }}
{%- endmacro %}
{% macro default__date_diff(part, start, end) -%}
    date_diff('{{ part }}', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__date_diff(part, start, end) -%}
    {%- if part == 'day' -%}
        datediff({{ end }}, {{ start }})
    {%- elif part in ('second', 'minute', 'hour') -%}
        timestampdiff({{ part | upper }}, {{ start }}, {{ end }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("date_diff on Spark: unsupported part " ~ part) }}
    {%- endif -%}
{%- endmacro %}
