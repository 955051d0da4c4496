{#- Whole `part`s (second, minute, hour, day, month) from `start` to `end`, counted as DuckDB's
    date_diff counts them: the `part` boundaries crossed, so 10.7 s to 253.2 s is 243 seconds
    (Spark's timestampdiff counts whole elapsed parts, 242, so it is given both ends truncated
    to the part). dbt.datediff on Spark asserts its arguments are not null (a null would fail
    the query), where a missing time here must give null. -#}
{% macro date_diff(part, start, end) -%}
    {{ return(adapter.dispatch('date_diff')(part, start, end)) }}
{%- endmacro %}
{% macro default__date_diff(part, start, end) -%}
    date_diff('{{ part }}', {{ start }}, {{ end }})
{%- endmacro %}
{% macro spark__date_diff(part, start, end) -%}
    {%- if part == 'day' -%}
        cast(datediff({{ end }}, {{ start }}) as bigint)
    {%- elif part == 'month' -%}
        cast((year({{ end }}) * 12 + month({{ end }})) - (year({{ start }}) * 12 + month({{ start }})) as bigint)
    {%- elif part in ('second', 'minute', 'hour') -%}
        timestampdiff({{ part | upper }}, date_trunc('{{ part }}', {{ start }}), date_trunc('{{ part }}', {{ end }}))
    {%- else -%}
        {{ exceptions.raise_compiler_error("date_diff on Spark: unsupported part " ~ part) }}
    {%- endif -%}
{%- endmacro %}

{#- The first instant of `date`'s month, as a timestamp: DuckDB's date_trunc of a date is a
    timestamp, so Spark's month (trunc gives a date) is cast to one too; a model that wants a
    date casts the result. -#}
{% macro month_start(date) -%}
    {{ return(adapter.dispatch('month_start')(date)) }}
{%- endmacro %}
{% macro default__month_start(date) -%} date_trunc('month', {{ date }}) {%- endmacro %}
{% macro spark__month_start(date) -%} cast(trunc({{ date }}, 'MM') as timestamp) {%- endmacro %}

{#- A date as 'YYYY-MM'. -#}
{% macro year_month_text(date) -%}
    {{ return(adapter.dispatch('year_month_text')(date)) }}
{%- endmacro %}
{% macro default__year_month_text(date) -%} strftime({{ date }}, '%Y-%m') {%- endmacro %}
{% macro spark__year_month_text(date) -%} date_format({{ date }}, 'yyyy-MM') {%- endmacro %}

{#- In a select list: one row per month from `first_month` to `last_month` (both month starts,
    inclusive), as the date `column`. -#}
{% macro unnest_months(first_month, last_month, column) -%}
    {{ return(adapter.dispatch('unnest_months')(first_month, last_month, column)) }}
{%- endmacro %}
{% macro default__unnest_months(first_month, last_month, column) -%}
    cast(unnest(generate_series({{ first_month }}, {{ last_month }}, interval 1 month)) as date) as {{ column }}
{%- endmacro %}
{% macro spark__unnest_months(first_month, last_month, column) -%}
    explode(sequence({{ first_month }}, {{ last_month }}, interval 1 month)) as {{ column }}
{%- endmacro %}

{#- A from-clause item after the other tables: one row per integer 0..`last` (inclusive), which
    may refer to the tables before it, as `alias.column`. -#}
{% macro join_integers_up_to(last, alias, column) -%}
    {{ return(adapter.dispatch('join_integers_up_to')(last, alias, column)) }}
{%- endmacro %}
{% macro default__join_integers_up_to(last, alias, column) -%}
    cross join range(0, {{ last }} + 1) as {{ alias }} ({{ column }})
{%- endmacro %}
{% macro spark__join_integers_up_to(last, alias, column) -%}
    lateral view explode(sequence(0, {{ last }})) {{ alias }} as {{ column }}
{%- endmacro %}

{#- One row per day from `first_day` up to, not including, `end_day` (date literals 'YYYY-MM-DD'),
    as the date column `date_day`. -#}
{% macro days_between(first_day, end_day) -%}
    {{ return(adapter.dispatch('days_between')(first_day, end_day)) }}
{%- endmacro %}
{% macro default__days_between(first_day, end_day) -%}
    select cast(range as date) as date_day
    from range(date '{{ first_day }}', date '{{ end_day }}', interval 1 day)
{%- endmacro %}
{% macro spark__days_between(first_day, end_day) -%}
    select explode(sequence(date '{{ first_day }}', date_sub(date '{{ end_day }}', 1), interval 1 day)) as date_day
{%- endmacro %}

{#- `value` + `amount` `unit`s (day, week, month; `amount` may be a column). A date plus days or
    weeks becomes a timestamp on both engines. -#}
{% macro plus_interval(value, amount, unit) -%}
    {{ return(adapter.dispatch('plus_interval')(value, amount, unit)) }}
{%- endmacro %}
{% macro default__plus_interval(value, amount, unit) -%}
    {{ value }} + to_{{ unit }}s({{ amount }})
{%- endmacro %}
{% macro spark__plus_interval(value, amount, unit) -%}
    {%- if unit == 'day' -%} {{ value }} + make_dt_interval({{ amount }})
    {%- elif unit == 'week' -%} {{ value }} + make_dt_interval(({{ amount }}) * 7)
    {%- elif unit == 'month' -%} {{ value }} + make_ym_interval(0, {{ amount }})
    {%- else -%} {{ exceptions.raise_compiler_error("plus_interval: unsupported unit " ~ unit) }}
    {%- endif -%}
{%- endmacro %}
