{#- Unix epoch integers -> naive UTC timestamps, independent of the session's TimeZone setting. -#}

{#- Seconds since the epoch (Stripe `created`). -#}
{% macro unix_seconds_to_utc(column) -%}
    {{ return(adapter.dispatch('unix_seconds_to_utc')(column)) }}
{%- endmacro %}
{% macro default__unix_seconds_to_utc(column) -%}
    timezone('UTC', to_timestamp(cast({{ column }} as bigint)))
{%- endmacro %}
{% macro spark__unix_seconds_to_utc(column) -%}
    timestamp_seconds(cast({{ column }} as bigint))
{%- endmacro %}

{#- Microseconds since the epoch (GA4 `event_timestamp`). -#}
{% macro unix_micros_to_utc(column) -%}
    {{ return(adapter.dispatch('unix_micros_to_utc')(column)) }}
{%- endmacro %}
{% macro default__unix_micros_to_utc(column) -%}
    make_timestamp(cast({{ column }} as bigint))
{%- endmacro %}
{% macro spark__unix_micros_to_utc(column) -%}
    timestamp_micros(cast({{ column }} as bigint))
{%- endmacro %}
