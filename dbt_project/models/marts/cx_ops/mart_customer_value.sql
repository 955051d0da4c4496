-- One row per customer: what serving them cost against what they brought and are predicted to
-- bring. Handle time is Connect's (agent interaction + hold + after-contact work over a chain's
-- handled legs); tickets carry no handle time, so a ticket-only customer costs 0 here.
with

service as (
    select
        customer_id,
        count(*) as service_contacts,
        coalesce(sum(handle_seconds), 0) / 60::double as handle_minutes
    from {{ ref('fct_contact') }}
    where customer_id is not null
    group by customer_id
),

valued as (
    select
        customers.customer_id,
        customers.segment,
        customers.lifetime_orders,
        customers.lifetime_net_revenue,
        customers.predicted_clv_12m,
        customers.p_alive,
        coalesce(service.service_contacts, 0) as service_contacts,
        coalesce(service.handle_minutes, 0)::decimal(18, 2) as handle_minutes,
        (
            coalesce(service.handle_minutes, 0) * {{ var('cost_per_handle_minute') }}
        )::decimal(18, 2) as cost_to_serve
    from {{ ref('dim_customer') }} as customers
    left join service
        on customers.customer_id = service.customer_id
)

select
    *,
    lifetime_net_revenue - cost_to_serve as net_value_after_service,
    round(lifetime_net_revenue / nullif(cost_to_serve, 0), 4) as value_to_cost_ratio,
    round(predicted_clv_12m / nullif(cost_to_serve, 0), 4) as predicted_value_to_cost_ratio
from valued
