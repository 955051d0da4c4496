-- One row per Shopify order, with its resolved customer, the succeeded refunds that returned
-- money for it (refund -> charge -> metadata.order_id) and its place among the customer's orders.
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

identified as (
    select * from {{ ref('int_orders_identified') }}
),

refunds as (
    select
        order_id,
        sum(amount) as refunded_amount,
        count(*) as n_refunds,
        max(completed_at) as last_refunded_at
    from {{ ref('int_refunds_timed') }}
    where is_succeeded and is_valid_amount and order_id is not null
    group by order_id
),

sequenced as (
    select
        orders.order_id,
        identified.customer_id,
        -- Among the customer's non-cancelled orders, by time (then id); null for a cancelled
        -- order or an order of no known customer.
        case
            when not orders.is_cancelled and identified.customer_id is not null
                then cast(row_number() over (
                    partition by identified.customer_id, orders.is_cancelled
                    order by orders.created_at, orders.order_id
                ) as bigint)
        end as order_sequence_number
    from orders
    inner join identified
        on orders.order_id = identified.order_id
)

select
    orders.order_id,
    sequenced.customer_id,
    orders.created_at as ordered_at,
    {{ utc_to_local_date('orders.created_at') }} as ordered_on,
    orders.channel,
    cast(orders.total_price - coalesce(refunds.refunded_amount, 0) as decimal(18, 2)) as net_revenue,
    sequenced.order_sequence_number,
    sequenced.order_sequence_number > 1 as is_repeat_order,
    orders.delivered_at,
    cast(coalesce(refunds.refunded_amount, 0) as decimal(18, 2)) as refunded_amount,
    orders.is_cancelled,
    orders.order_name,
    orders.source_name,
    orders.location_id,
    identified.customer_match,
    identified.is_guest_checkout,
    orders.cancelled_at,
    orders.cancel_reason,
    orders.currency,
    orders.total_price,
    orders.subtotal_price,
    orders.total_discounts,
    orders.total_tax,
    orders.is_valid_amount,
    orders.financial_status,
    orders.fulfillment_status,
    orders.line_item_count,
    orders.total_quantity,
    coalesce(refunds.n_refunds, 0) as n_refunds,
    refunds.last_refunded_at,
    orders.first_fulfilled_at
from orders
inner join identified
    on orders.order_id = identified.order_id
inner join sequenced
    on orders.order_id = sequenced.order_id
left join refunds
    on orders.order_id = refunds.order_id
