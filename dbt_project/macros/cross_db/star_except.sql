{#- Every column of `relation` but `excluded`, for a select list: DuckDB's `* exclude (...)`,
    which Spark's SQL lacks, spelled as the column list on Spark. -#}
{% macro star_except(relation, excluded) -%}
    {{ return(adapter.dispatch('star_except')(relation, excluded)) }}
{%- endmacro %}
{% macro default__star_except(relation, excluded) -%}
    * exclude ({{ excluded | join(', ') }})
{%- endmacro %}
{% macro spark__star_except(relation, excluded) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in excluded | map('lower') | list -%}
            {%- do names.append(column.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ names | join(', ') }}
{%- endmacro %}
