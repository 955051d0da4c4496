{#- An instant that carries its own offset (Salesforce +0000, Shopify -05:00, Zendesk/Connect Z)
    -> naive UTC timestamp, independent of the session's TimeZone setting. -#}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    timezone('UTC', cast({{ column }} as timestamptz))
{%- endmacro %}

{#- Spark parses the offset; the session time zone is UTC (profiles.yml), so the timestamp shows
    the UTC wall time. -#}
{% macro spark__to_utc(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}
