-- One row per service contact with the customer issue (episode) it belongs to. The episode rule,
-- deterministic and order-independent of the load:
--   1. Explicit link: a call/chat chain naming a Zendesk ticket (Attributes.zendesk_ticket_id)
--      belongs to the issue of the contact holding that ticket.
--   2. Open-issue follow-up: any other contact joins an earlier issue of the same customer with
--      the same contact reason (ticket custom field 360003, else the chain's intent; a missing
--      reason is a reason of its own) when it starts while that issue is still open: a contact
--      keeps its issue open until it is resolved (a ticket until its last solve, and while it is
--      unsolved until {{ var('journey_open_ticket_window_days', 30) }} days after its last
--      activity; a handled or IVR-contained chain until it ends) and an abandoned chain keeps it
--      open for {{ var('journey_followup_window_days', 7) }} days after it started -
--      unless it names a different Shopify order than the issue's latest contact that names one.
--   3. Otherwise the contact opens a new issue. Contacts of no known customer are issues of
--      their own.
-- A contact after the issue was resolved is therefore a new issue (and the repeat contact of
-- the resolved one), as the first-contact-resolution and repeat-contact metrics require.
-- The issue's id is `issue-` + the contact_id of its first contact.
with

contacts as (
    select * from {{ ref('int_service_contacts_unified') }}
),

-- Rule 2 runs on the anchors: contacts that are not an explicit follow-up of another contact.
anchors as (
    select
        contact_id,
        started_at,
        -- Contacts of no known customer never join another contact.
        coalesce(customer_id, contact_id) as customer_key,
        coalesce(contact_reason, '(none)') as reason_key,
        order_id,
        case
            when resolved_at is not null then resolved_at
            when contact_type = 'chain' and is_abandoned and ticket_id is null
                then {{ plus_interval('started_at', var('journey_followup_window_days', 7), 'day') }}
            when contact_type = 'chain' and ticket_id is null then coalesce(ended_at, started_at)
            -- An unsolved ticket keeps its issue open while it is worked on.
            else
                {{ plus_interval(
                    'coalesce(last_activity_at, started_at)', var('journey_open_ticket_window_days', 30), 'day'
                ) }}
        end as open_until
    from contacts
    where linked_contact_id is null
),

-- Gaps and islands per customer and reason: a contact starting after every earlier contact's
-- open window has closed starts a new issue.
anchors_flagged as (
    select
        *,
        coalesce(
            started_at > max(open_until) over (
                partition by customer_key, reason_key
                order by started_at, contact_id
                rows between unbounded preceding and 1 preceding
            ),
            true
        ) as opens_issue
    from anchors
),

anchors_numbered as (
    select
        *,
        sum(case when opens_issue then 1 else 0 end) over (
            partition by customer_key, reason_key
            order by started_at, contact_id
            rows between unbounded preceding and current row
        ) as issue_number
    from anchors_flagged
),

-- Within such a run, a contact naming another order than the latest order named before it is a
-- different issue (two orders with the same problem at once).
anchors_ordered as (
    select
        *,
        coalesce(
            order_id <> {{ lag_ignore_nulls('order_id') }} over (
                partition by customer_key, reason_key, issue_number
                order by started_at, contact_id
            ),
            false
        ) as switches_order
    from anchors_numbered
),

anchors_split as (
    select
        *,
        sum(case when switches_order then 1 else 0 end) over (
            partition by customer_key, reason_key, issue_number
            order by started_at, contact_id
            rows between unbounded preceding and current row
        ) as order_number
    from anchors_ordered
),

anchor_issues as (
    select
        contact_id,
        opens_issue or switches_order as opens_issue,
        'issue-' || first_value(contact_id) over (
            partition by customer_key, reason_key, issue_number, order_number
            order by started_at, contact_id
        ) as issue_id
    from anchors_split
)

select
    anchor_issues.issue_id,
    case
        when contacts.linked_contact_id is not null then 'ticket_link'
        when anchor_issues.opens_issue then 'new_issue'
        else 'open_issue_followup'
    end as grouping_rule,
    contacts.*
from contacts
inner join anchor_issues
    on coalesce(contacts.linked_contact_id, contacts.contact_id) = anchor_issues.contact_id
