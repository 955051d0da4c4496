-- Latest version of each Shopify order (by updated_at, then delivery), typed, times in UTC, with
-- the channel, cancellation and delivery time derived from the order itself.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('shop', 'orders')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('shop', 'orders'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id', updated_at=to_utc('updated_at')) }}
),

flattened as (
    select
        cast(latest.id as {{ dbt.type_string() }}) as order_id,
        latest.name as order_name,
        nullif(trim(latest.email), '') as email,
        nullif(trim(latest.phone), '') as phone,
        cast(latest.customer.id as {{ dbt.type_string() }}) as customer_id,
        nullif(trim(latest.customer.email), '') as customer_email,
        {{ to_utc('latest.created_at') }} as created_at,
        {{ to_utc('latest.updated_at') }} as updated_at,
        {{ to_utc('latest.processed_at') }} as processed_at,
        {{ to_utc('latest.cancelled_at') }} as cancelled_at,
        nullif(latest.cancel_reason, '') as cancel_reason,
        upper(latest.currency) as currency,
        cast(latest.total_price as decimal(18, 2)) as total_price,
        cast(latest.subtotal_price as decimal(18, 2)) as subtotal_price,
        cast(latest.total_discounts as decimal(18, 2)) as total_discounts,
        cast(latest.total_tax as decimal(18, 2)) as total_tax,
        latest.financial_status,
        latest.fulfillment_status,
        latest.source_name,
        cast(latest.location_id as {{ dbt.type_string() }}) as location_id,
        {{ array_size('latest.line_items') }} as line_item_count,
        cast({{ array_sum(array_transform('latest.line_items', 'li', 'li.quantity')) }} as bigint) as total_quantity,
        {{ array_size('latest.fulfillments') }} as fulfillment_count,
        {{ array_min(array_transform('latest.fulfillments', 'f', 'f.created_at')) }} as first_fulfilled_at_tz,
        -- Shopify's delivery time is the updated_at of a fulfillment whose shipment_status is
        -- `delivered`; with several delivered fulfillments the order is delivered with the last one.
        {{ array_max(array_transform(
            array_filter('latest.fulfillments', 'f', "f.shipment_status = 'delivered'"),
            'f', 'f.updated_at'
        )) }} as delivered_at_tz,
        latest._source_file,
        latest._delivery_date,
        latest._loaded_at
    from latest
)

select
    order_id,
    order_name,
    email,
    phone,
    customer_id,
    customer_email,
    created_at,
    updated_at,
    processed_at,
    cancelled_at,
    cancelled_at is not null as is_cancelled,
    cancel_reason,
    currency,
    total_price,
    subtotal_price,
    total_discounts,
    total_tax,
    -- Negative money is out of domain: the row is kept and flagged (the raw quality suite counts it).
    coalesce(
        total_price >= 0 and subtotal_price >= 0 and total_discounts >= 0 and total_tax >= 0,
        false
    ) as is_valid_amount,
    financial_status,
    fulfillment_status,
    source_name,
    case source_name
        when 'web' then 'web'
        when 'pos' then 'store'
        when 'iphone' then 'ios_app'
        when 'android' then 'android_app'
    end as channel,
    location_id,
    line_item_count,
    total_quantity,
    fulfillment_count,
    {{ to_utc('first_fulfilled_at_tz') }} as first_fulfilled_at,
    {{ to_utc('delivered_at_tz') }} as delivered_at,
    _source_file,
    _delivery_date,
    _loaded_at
from flattened
