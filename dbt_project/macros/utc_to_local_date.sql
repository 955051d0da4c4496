{#- A UTC timestamp -> the business-local calendar date that reports group by. -#}
{% macro utc_to_local_date(column, time_zone=var('business_time_zone')) -%}
    {{ return(adapter.dispatch('utc_to_local_date')(column, time_zone)) }}
{%- endmacro %}

{% macro default__utc_to_local_date(column, time_zone) -%}
    cast(((cast({{ column }} as timestamp) at time zone 'UTC') at time zone '{{ time_zone }}') as date)
{%- endmacro %}

{% macro spark__utc_to_local_date(column, time_zone) -%}
    cast(from_utc_timestamp(cast({{ column }} as timestamp), '{{ time_zone }}') as date)
{%- endmacro %}
