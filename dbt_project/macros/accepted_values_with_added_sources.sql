{#- accepted_values whose list grows with the sources added by declaration
    (macros/added_sources.sql): `added` is `system` or `activity`. Fails on every other value. -#}
{% test accepted_values_with_added_sources(model, column_name, values, added) %}
    {%- set accepted = values + added_source_values(added) %}
    select
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    where
        {{ column_name }} is not null
        and {{ column_name }} not in (
            {%- for value in accepted %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor -%}
        )
    group by {{ column_name }}
{% endtest %}
