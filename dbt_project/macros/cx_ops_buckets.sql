{#-
  Operational driver buckets of a service issue (mart_cx_ops_drivers). One definition, used by
  every model that groups issues by these drivers. Labels sort in their natural order by
  bucket_order in fct_service_issue_driver_bucket.
-#}

{#- A count as '0', '1', '2+' (handoffs, transfers, auth repeats). -#}
{% macro count_bucket(column) -%}
    case
        when {{ column }} is null then null
        when {{ column }} <= 0 then '0'
        when {{ column }} = 1 then '1'
        else '2+'
    end
{%- endmacro %}

{#- Customer hold time in seconds as '0', '1-120', '121-600', '600+'. -#}
{% macro hold_time_bucket(seconds) -%}
    case
        when {{ seconds }} is null then null
        when {{ seconds }} <= 0 then '0'
        when {{ seconds }} <= 120 then '1-120'
        when {{ seconds }} <= 600 then '121-600'
        else '600+'
    end
{%- endmacro %}

{#- Refund cycle time in hours as '<=24h', '24-72h', '>72h' (upper bounds inclusive). -#}
{% macro refund_cycle_bucket(hours) -%}
    case
        when {{ hours }} is null then null
        when {{ hours }} <= 24 then '<=24h'
        when {{ hours }} <= 72 then '24-72h'
        else '>72h'
    end
{%- endmacro %}

{#- A boolean as 'yes' / 'no' (null stays null). -#}
{% macro yes_no(column) -%}
    case when {{ column }} then 'yes' when not {{ column }} then 'no' end
{%- endmacro %}

{#- Whole weeks from `start` to `at` (0 = the first seven days; negative before the start). -#}
{% macro weeks_since(start, at) -%}
    cast(floor({{ date_diff('second', start, at) }} / cast(604800 as double)) as integer)
{%- endmacro %}
