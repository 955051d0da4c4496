-- One row per line item of the latest version of each Shopify order.
with

orders as (
    {{ latest_version(source('shop', 'orders'), key='id', updated_at=to_utc('updated_at')) }}
),

lines as (
    select
        orders.id as order_id,
        orders.created_at,
        orders.cancelled_at,
        orders._source_file,
        orders._delivery_date,
        {{ unnest_array('orders.line_items', 'line_item', position='line_number') }}
    from orders
)

select
    cast(lines.line_item.id as {{ dbt.type_string() }}) as order_line_id,
    cast(lines.order_id as {{ dbt.type_string() }}) as order_id,
    lines.line_number,
    cast(lines.line_item.product_id as {{ dbt.type_string() }}) as product_id,
    nullif(trim(lines.line_item.sku), '') as sku,
    lines.line_item.title,
    lines.line_item.quantity,
    cast(lines.line_item.price as decimal(18, 2)) as unit_price,
    cast(lines.line_item.price * lines.line_item.quantity as decimal(18, 2)) as line_amount,
    coalesce(lines.line_item.price >= 0 and lines.line_item.quantity > 0, false) as is_valid_amount,
    {{ to_utc('lines.created_at') }} as order_created_at,
    lines.cancelled_at is not null as is_order_cancelled,
    lines._source_file,
    lines._delivery_date
from lines
