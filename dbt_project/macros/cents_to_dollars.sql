{#- Stripe integer minor units (cents) -> dollars as DECIMAL(18,2). Exact: decimal arithmetic only
    (a decimal divided by an integer would go through DOUBLE). -#}
{% macro cents_to_dollars(column) -%}
    cast(cast({{ column }} as decimal(18, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}
