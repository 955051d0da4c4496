{#- A Zendesk `via` channel -> the warehouse `channel` value (warehouse.md). `voice` is a phone call,
    Twitter and Facebook are `social`. `mobile` (a ticket from the in-app Zendesk SDK) and `rule`
    (an automation) have no warehouse channel: null, as is any unknown value. The raw value is kept
    beside it in staging. -#}
{% macro zendesk_channel(column) -%}
    case lower({{ column }})
        when 'email' then 'email'
        when 'web' then 'web'
        when 'chat' then 'chat'
        when 'voice' then 'phone'
        when 'twitter' then 'social'
        when 'facebook' then 'social'
        when 'api' then 'api'
    end
{%- endmacro %}
