-- One row per Shopify order line, with the order's customer, time and cancellation: the product
-- grain of orders (orders, units and revenue by product).
with

lines as (
    select * from {{ ref('stg_shop__order_lines') }}
),

orders as (
    select * from {{ ref('fct_order') }}
)

select
    lines.order_line_id,
    lines.order_id,
    lines.product_id,
    lines.sku,
    orders.customer_id,
    orders.ordered_at,
    orders.ordered_on,
    orders.channel,
    orders.is_cancelled,
    lines.line_number,
    lines.title,
    lines.quantity,
    lines.unit_price,
    lines.line_amount,
    lines.is_valid_amount
from lines
inner join orders
    on lines.order_id = orders.order_id
