{#- The value of `value` at the smallest / largest `ordering` in the group, among the rows where
    `value` is not null (DuckDB's arg_min; Spark's min_by would return a null `value`, so its
    rows get no ordering there). `ordering` may be a tuple of columns, written `(a, b)` by the
    caller: DuckDB compares it as a row, Spark as a struct; both compare field by field.
    `arg_min_null` keeps the rows whose value is null (DuckDB's arg_min_null, Spark's min_by). -#}
{% macro arg_min(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min')(value, ordering)) }}
{%- endmacro %}
{% macro default__arg_min(value, ordering) -%} arg_min({{ value }}, {{ ordering }}) {%- endmacro %}
{% macro spark__arg_min(value, ordering) -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ _spark_struct(ordering) }} end)
{%- endmacro %}

{% macro arg_min_null(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min_null')(value, ordering)) }}
{%- endmacro %}
{% macro default__arg_min_null(value, ordering) -%} arg_min_null({{ value }}, {{ ordering }}) {%- endmacro %}
{% macro spark__arg_min_null(value, ordering) -%}
    min_by({{ value }}, {{ _spark_struct(ordering) }})
{%- endmacro %}

{% macro arg_max(value, ordering) -%}
    {{ return(adapter.dispatch('arg_max')(value, ordering)) }}
{%- endmacro %}
{% macro default__arg_max(value, ordering) -%} arg_max({{ value }}, {{ ordering }}) {%- endmacro %}
{% macro spark__arg_max(value, ordering) -%}
    max_by({{ value }}, case when {{ value }} is not null then {{ _spark_struct(ordering) }} end)
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

{#- The group's distinct `value`s, sorted, joined by `separator` (null for none). -#}
{% macro distinct_string_agg(value, separator) -%}
    {{ return(adapter.dispatch('distinct_string_agg')(value, separator)) }}
{%- endmacro %}
{% macro default__distinct_string_agg(value, separator) -%}
    string_agg(distinct {{ value }}, '{{ separator }}' order by {{ value }})
{%- endmacro %}
{% macro spark__distinct_string_agg(value, separator) -%}
    nullif(array_join(array_sort(collect_set({{ value }})), '{{ separator }}'), '')
{%- endmacro %}

{#- The previous non-null value in the window (write `over (...)` after it): DuckDB takes
    IGNORE NULLS inside the call, Spark after it. -#}
{% macro lag_ignore_nulls(value) -%}
    {{ return(adapter.dispatch('lag_ignore_nulls')(value)) }}
{%- endmacro %}
{% macro default__lag_ignore_nulls(value) -%} lag({{ value }} ignore nulls) {%- endmacro %}
{% macro spark__lag_ignore_nulls(value) -%} lag({{ value }}) ignore nulls {%- endmacro %}

{#- The `fraction` quantile of the group's `value`s, interpolated between the two nearest
    (DuckDB's quantile_cont, Spark's exact percentile: the same definition). -#}
{% macro quantile_cont(value, fraction) -%}
    {{ return(adapter.dispatch('quantile_cont')(value, fraction)) }}
{%- endmacro %}
{% macro default__quantile_cont(value, fraction) -%} quantile_cont({{ value }}, {{ fraction }}) {%- endmacro %}
{% macro spark__quantile_cont(value, fraction) -%} percentile({{ value }}, {{ fraction }}) {%- endmacro %}

{#- The group's rows as a list of structs with the `fields` (column names, in that order),
    ordered by `order_by` (which must not tie). -#}
{% macro ordered_struct_list(fields, order_by) -%}
    {{ return(adapter.dispatch('ordered_struct_list')(fields, order_by)) }}
{%- endmacro %}
{% macro default__ordered_struct_list(fields, order_by) -%}
    list({ {%- for field in fields %}'{{ field }}': {{ field }}{{ ', ' if not loop.last }}{% endfor -%} } order by {{ order_by }})
{%- endmacro %}
{% macro spark__ordered_struct_list(fields, order_by) -%}
    transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ fields | join(', ') }}))),
        entry -> named_struct({%- for field in fields %}'{{ field }}', entry.{{ field }}{{ ', ' if not loop.last }}{% endfor -%})
    )
{%- endmacro %}
