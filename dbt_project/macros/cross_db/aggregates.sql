{#- The value of `value` at the smallest / largest `ordering` in the group. `ordering` may be a
    tuple of columns, written `(a, b)` by the caller: DuckDB compares it as a row, Spark as a
    struct; both compare field by field. -#}
{% macro arg_min(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min')(value, ordering)) }}
{%- endmacro %}
{% macro default__arg_min(value, ordering) -%} arg_min({{ value }}, {{ ordering }}) {%- endmacro %}
{% macro spark__arg_min(value, ordering) -%}
    min_by({{ value }}, {{ _spark_struct(ordering) }})
{%- endmacro %}

{% macro arg_max(value, ordering) -%}
    {{ return(adapter.dispatch('arg_max')(value, ordering)) }}
{%- endmacro %}
{% macro default__arg_max(value, ordering) -%} arg_max({{ value }}, {{ ordering }}) {%- endmacro %}
{% macro spark__arg_max(value, ordering) -%}
    max_by({{ value }}, {{ _spark_struct(ordering) }})
{%- endmacro %}

{#- `(a, b)` -> `struct(a, b)`; a single expression stays as it is. -#}
{% macro _spark_struct(ordering) -%}
    {%- set text = ordering | trim -%}
    {%- if text.startswith('(') and text.endswith(')') and ',' in text -%}
        struct{{ text }}
    {%- else -%}
        {{ text }}
    {%- endif -%}
{%- endmacro %}

{#- The group's `value`s joined by `separator` in the order of `order_by` (nulls skipped). -#}
{% macro ordered_string_agg(value, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg')(value, separator, order_by)) }}
{%- endmacro %}
{% macro default__ordered_string_agg(value, separator, order_by) -%}
    string_agg({{ value }}, '{{ separator }}' order by {{ order_by }})
{%- endmacro %}
{% macro spark__ordered_string_agg(value, separator, order_by) -%}
    nullif(array_join(transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ value }} as item))),
        entry -> entry.item
    ), '{{ separator }}'), '')
{%- endmacro %}
