-- One row per Stripe refund with the order it returns money for (refund -> charge ->
-- metadata.order_id), the support ticket that asked for it (metadata.ticket_id) and its cycle
-- time: from the customer's request (the ticket's creation, else the refund's own creation) to
-- its completion (the refund's `created`, once its latest status is succeeded).
with

refunds as (
    select * from {{ ref('stg_billing__refunds') }}
),

charges as (
    select * from {{ ref('stg_billing__charges') }}
),

tickets as (
    select
        ticket_id,
        created_at
    from {{ ref('stg_support__tickets') }}
),

timed as (
    select
        refunds.refund_id,
        refunds.charge_id,
        charges.order_id,
        charges.customer_id as billing_customer_id,
        refunds.ticket_id,
        tickets.ticket_id is not null as has_known_ticket,
        refunds.created_at,
        refunds.amount,
        refunds.is_valid_amount,
        refunds.currency,
        refunds.refund_reason,
        refunds.refund_status,
        refunds.is_succeeded,
        coalesce(tickets.created_at, refunds.created_at) as requested_at,
        case when refunds.is_succeeded then refunds.created_at end as completed_at
    from refunds
    left join charges
        on refunds.charge_id = charges.charge_id
    left join tickets
        on refunds.ticket_id = tickets.ticket_id
)

select
    *,
    {{ date_diff('second', 'requested_at', 'completed_at') }} / cast(3600 as double) as refund_cycle_hours
from timed
