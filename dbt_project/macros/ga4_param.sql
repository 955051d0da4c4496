{#- One value of a GA4 `event_params` list (`[{key, value: {string_value, int_value, double_value}}]`).
    GA4 stores a parameter in whichever slot fits the value it received, so each type falls back on
    the other slots: 'string' -> text of any slot, 'int' -> int_value or a numeric string,
    'double' -> double_value, int_value or a numeric string. Null when the key is absent.
    `params` is the list column (qualify it when the select qualifies its references). -#}
{% macro ga4_param(key, value_type='string', params='event_params') -%}
    {%- set value = "(" ~ array_first(array_filter(params, 'p', "p.key = '" ~ key ~ "'")) ~ ").value" -%}
    {%- if value_type == 'string' -%}
        coalesce(
            {{ value }}.string_value,
            cast({{ value }}.int_value as {{ dbt.type_string() }}),
            cast({{ value }}.double_value as {{ dbt.type_string() }})
        )
    {%- elif value_type == 'int' -%}
        coalesce({{ value }}.int_value, try_cast({{ value }}.string_value as bigint))
    {%- elif value_type == 'double' -%}
        coalesce(
            {{ value }}.double_value,
            cast({{ value }}.int_value as double),
            try_cast({{ value }}.string_value as double)
        )
    {%- else -%}
        {{ exceptions.raise_compiler_error("ga4_param: value_type must be string, int or double, got " ~ value_type) }}
    {%- endif -%}
{%- endmacro %}
