{#- The cross-system id columns every identity record carries, in their fixed order: pass the
    expressions a system has (e.g. `salesforce_contact_id="contact_id"`); the others are null.
    Records sharing a value in one namespace are the same person (docs/identity.md). -#}
{% macro identity_id_columns() %}
    {%- set namespaces = [
        'shop_customer_id', 'order_shop_customer_id', 'salesforce_contact_id',
        'stripe_customer_id', 'zendesk_user_id', 'ticket_requester_id'
    ] -%}
    {%- for unknown in kwargs if unknown not in namespaces -%}
        {{ exceptions.raise_compiler_error("identity_id_columns: unknown id namespace " ~ unknown) }}
    {%- endfor -%}
    {%- for namespace in namespaces %}
        {{ kwargs.get(namespace, 'cast(null as ' ~ dbt.type_string() ~ ')') }} as {{ namespace }}{{ ',' if not loop.last }}
    {%- endfor %}
{% endmacro %}
