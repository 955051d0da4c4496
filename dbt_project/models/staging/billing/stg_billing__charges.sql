-- Latest version of each Stripe charge (by delivery, then position), cents converted to dollars.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='charge_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('billing', 'charges')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('billing', 'charges'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id') }}
)

select
    cast(latest.id as {{ dbt.type_string() }}) as charge_id,
    cast(latest.customer as {{ dbt.type_string() }}) as customer_id,
    nullif(trim({{ json_text('latest.metadata', 'order_id') }}), '') as order_id,
    {{ unix_seconds_to_utc('latest.created') }} as created_at,
    {{ cents_to_dollars('latest.amount') }} as amount,
    {{ cents_to_dollars('latest.amount_refunded') }} as amount_refunded,
    {{ cents_to_dollars('latest.amount - latest.amount_refunded') }} as net_amount,
    -- Out of domain (kept, flagged): a negative amount, or a refunded amount outside 0..amount.
    coalesce(
        latest.amount >= 0 and latest.amount_refunded between 0 and latest.amount, false
    ) as is_valid_amount,
    upper(latest.currency) as currency,
    latest.status as charge_status,
    nullif(latest.failure_code, '') as failure_code,
    latest.paid as is_paid,
    latest.refunded as is_refunded,
    nullif(trim(latest.billing_details.email), '') as billing_email,
    nullif(trim(latest.billing_details.name), '') as billing_name,
    nullif(trim(latest.billing_details.phone), '') as billing_phone,
    nullif(trim(latest.billing_details.address.postal_code), '') as billing_postal_code,
    latest.payment_method_details.type as payment_method_type,
    latest.payment_method_details.card.brand as card_brand,
    latest.payment_method_details.card.last4 as card_last4,
    latest.metadata,
    latest._source_file,
    latest._delivery_date,
    latest._loaded_at
from latest
