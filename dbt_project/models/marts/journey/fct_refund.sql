-- One row per succeeded Stripe refund: when the customer asked for it (the support ticket named in
-- metadata.ticket_id, else the refund itself) and when it completed; the refund_cycle_time grain.
with

refunds as (
    select * from {{ ref('int_refunds_timed') }}
    where is_succeeded
),

-- The journey stream already resolved each refund's customer and the issue of its ticket.
refund_touchpoints as (
    select
        source_record_id as refund_id,
        customer_id,
        issue_id
    from {{ ref('fct_touchpoint') }}
    where activity = 'received_refund'
)

select
    refunds.refund_id,
    refund_touchpoints.customer_id,
    refunds.order_id,
    refunds.ticket_id,
    refund_touchpoints.issue_id,
    refunds.requested_at,
    refunds.completed_at,
    {{ utc_to_local_date('refunds.completed_at') }} as completed_on,
    refunds.refund_cycle_hours,
    refunds.has_known_ticket,
    refunds.amount,
    refunds.is_valid_amount,
    refunds.refund_reason
from refunds
left join refund_touchpoints
    on refunds.refund_id = refund_touchpoints.refund_id
