{#- A from-clause item after `left`: for each row of `left`, the row of `right` with the same `key`
    and the earliest `right_time` strictly after the row's `left_time`, or none (DuckDB's
    `asof left join ... on key = key and left_time < right_time`). Its columns are read as
    `<right>.<value>`; `right` must hold one row per (key, right_time), so there is no tie to break; `value` is text.
    Spark SQL has no ASOF join: both sides go into one stream per key, newest first (at the same
    instant `left` rows before `right` rows, so an equal time is not "after"), and each `left`
    row takes the last non-null `value` before it, in a running window (one pass per key, no
    range join). -#}
{% macro asof_next_join(left, right, key, left_time, right_time, value) -%}
    {{ return(adapter.dispatch('asof_next_join')(left, right, key, left_time, right_time, value)) }}
{%- endmacro %}

{% macro default__asof_next_join(left, right, key, left_time, right_time, value) -%}
    asof left join {{ right }}
        on
            {{ left }}.{{ key }} = {{ right }}.{{ key }}
            and {{ left }}.{{ left_time }} < {{ right }}.{{ right_time }}
{%- endmacro %}

{% macro spark__asof_next_join(left, right, key, left_time, right_time, value) -%}
    left join (
        select
            {{ key }},
            lookup_time,
            {{ value }}
        from (
            select
                {{ key }},
                lookup_time,
                is_lookup,
                last(candidate, true) over (
                    partition by {{ key }}
                    order by lookup_time desc, is_lookup desc
                    rows between unbounded preceding and 1 preceding
                ) as {{ value }}
            from (
                select distinct
                    {{ key }},
                    {{ left_time }} as lookup_time,
                    1 as is_lookup,
                    cast(null as {{ dbt.type_string() }}) as candidate
                from {{ left }}
                union all
                select
                    {{ key }},
                    {{ right_time }} as lookup_time,
                    0 as is_lookup,
                    {{ value }} as candidate
                from {{ right }}
            ) as stream
        ) as looked_up
        where is_lookup = 1
    ) as {{ right }}
        on
            {{ left }}.{{ key }} = {{ right }}.{{ key }}
            and {{ left }}.{{ left_time }} = {{ right }}.lookup_time
{%- endmacro %}
