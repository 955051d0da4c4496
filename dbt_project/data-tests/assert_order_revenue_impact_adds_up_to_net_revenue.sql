-- Attached to fct_touchpoint so Dagster runs it as that asset's check, after every model it reads is built.
{{ config(meta={'dagster': {'ref': {'name': 'fct_touchpoint'}}}) }}
-- The journey stream and the order fact tell the same money story: the revenue_impact of an
-- order's touchpoints (placed + refunds - cancellation) sums to its net revenue, or to 0 once it
-- is cancelled. Orders with an out-of-domain amount are left out.
with

impacts as (
    select
        order_id,
        sum(revenue_impact) as revenue_impact
    from {{ ref('fct_touchpoint') }}
    where order_id is not null and revenue_impact is not null
    group by order_id
)

select
    orders.order_id,
    orders.net_revenue,
    orders.is_cancelled,
    impacts.revenue_impact
from {{ ref('fct_order') }} as orders
left join impacts
    on orders.order_id = impacts.order_id
where
    orders.is_valid_amount
    and coalesce(impacts.revenue_impact, 0)
    <> case when orders.is_cancelled then 0 else orders.net_revenue end
