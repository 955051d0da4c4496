{#- An instant that carries its own offset (Salesforce +0000, Shopify -05:00, Zendesk/Connect Z)
    -> naive UTC timestamp, independent of the session's TimeZone setting. -#}
{% macro to_utc(column) -%}
    timezone('UTC', cast({{ column }} as timestamptz))
{%- endmacro %}
