-- One row per Amazon Connect contact chain: the legs sharing an InitialContactId (a call or chat
-- and its transfers) assembled into one customer contact. Durations are summed over the legs;
-- the chain's customer is that of its first identified leg, else of the Zendesk ticket it names.
with

legs as (
    select
        *,
        cast(row_number() over (
            partition by initial_contact_id
            order by initiated_at asc, contact_id = initial_contact_id desc, contact_id asc
        ) as bigint) as leg_number
    from {{ ref('stg_contact_center__contacts') }}
),

leg_customers as (
    {{ resolved_customers_of('contact_center', 'contacts', 'contact_id') }}
),

requesters as (
    {{ resolved_customers_of('support', 'users', 'requester_id') }}
),

ticket_customers as (
    select
        tickets.ticket_id,
        requesters.customer_id
    from {{ ref('stg_support__tickets') }} as tickets
    inner join requesters
        on tickets.requester_id = requesters.requester_id
),

legs_enriched as (
    select
        legs.*,
        leg_customers.customer_id,
        legs.connected_to_agent_at is not null or legs.agent_username is not null as is_handled_leg,
        legs.enqueued_at is not null or legs.queue_name is not null as is_queued_leg,
        -- A transfer to another queue is a handoff between departments; the first queue is not.
        legs.queue_name is not null
        and {{ lag_ignore_nulls('legs.queue_name') }} over (
            partition by legs.initial_contact_id order by legs.leg_number
        ) <> legs.queue_name as is_queue_change
    from legs
    left join leg_customers
        on legs.contact_id = leg_customers.contact_id
),

chains as (
    select
        initial_contact_id,
        count(*) as legs,
        min(initiated_at) as started_at,
        max(coalesce(disconnected_at, initiated_at)) as ended_at,
        min(connected_to_agent_at) as answered_at,
        {{ arg_min('contact_channel', 'leg_number') }} as contact_channel,
        {{ arg_min('channel', 'leg_number') }} as channel,
        {{ arg_min('initiation_method', 'leg_number') }} as initiation_method,
        {{ arg_min('intent', 'leg_number') }} filter (where intent is not null) as intent,
        {{ arg_min('zendesk_ticket_id', 'leg_number') }} filter (where zendesk_ticket_id is not null)
            as zendesk_ticket_id,
        {{ arg_min('shop_customer_id', 'leg_number') }} filter (where shop_customer_id is not null)
            as shop_customer_id,
        {{ arg_min('customer_id', 'leg_number') }} filter (where customer_id is not null) as leg_customer_id,
        {{ arg_min('customer_endpoint_address', 'leg_number') }} filter (
            where customer_endpoint_address is not null
        ) as customer_endpoint_address,
        {{ ordered_string_agg('queue_name', ' > ', 'leg_number') }} as queue_path,
        {{ arg_max('queue_name', 'leg_number') }} filter (where queue_name is not null) as last_queue_name,
        count(*) filter (where is_queued_leg) as n_queued_legs,
        count(*) filter (where is_handled_leg) as n_handled_legs,
        count(*) filter (where is_queue_change) as n_queue_changes,
        count(distinct agent_username) as n_agents,
        cast(coalesce(sum(auth_attempts), 0) as bigint) as auth_attempts,
        cast(coalesce(sum(queue_seconds), 0) as bigint) as queue_seconds,
        cast(coalesce(sum(queue_seconds) filter (where is_handled_leg), 0) as bigint)
            as answered_queue_seconds,
        cast(coalesce(sum(agent_interaction_seconds), 0) as bigint) as agent_interaction_seconds,
        cast(coalesce(sum(customer_hold_seconds), 0) as bigint) as hold_seconds,
        cast(coalesce(sum(number_of_holds), 0) as bigint) as number_of_holds,
        cast(coalesce(sum(after_contact_work_seconds), 0) as bigint) as after_contact_work_seconds,
        -- Amazon Connect's handle time: agent interaction + customer hold + after-contact work.
        cast(
            coalesce(
                sum(
                    coalesce(agent_interaction_seconds, 0)
                    + coalesce(customer_hold_seconds, 0)
                    + coalesce(after_contact_work_seconds, 0)
                ) filter (where is_handled_leg),
                0
            ) as bigint
        ) as handle_seconds,
        -- Abandoned: the chain ended in a queue (its last leg was queued and never answered).
        {{ arg_max('is_abandoned_in_queue', 'leg_number') }} as is_abandoned,
        -- Contained: no leg ever reached a queue or an agent (the IVR served the customer).
        bool_and(is_ivr_contained) as is_ivr_contained,
        bool_or(is_handled_leg) as is_handled,
        bool_and(is_valid_duration and is_valid_auth_attempts) as is_valid
    from legs_enriched
    group by initial_contact_id
)

select
    chains.initial_contact_id,
    coalesce(chains.leg_customer_id, ticket_customers.customer_id) as customer_id,
    chains.started_at,
    chains.ended_at,
    chains.answered_at,
    chains.contact_channel,
    chains.channel,
    chains.initiation_method,
    -- Customer-initiated: everything but an outbound call placed by an agent.
    coalesce(chains.initiation_method <> 'OUTBOUND', true) as is_inbound,
    chains.intent,
    chains.zendesk_ticket_id,
    chains.shop_customer_id,
    chains.customer_endpoint_address,
    chains.legs,
    chains.legs - 1 as transfers,
    chains.n_queue_changes,
    chains.queue_path,
    chains.last_queue_name,
    chains.n_queued_legs,
    chains.n_handled_legs,
    chains.n_agents,
    chains.auth_attempts,
    greatest(chains.auth_attempts - 1, 0) as auth_repeats,
    chains.queue_seconds,
    chains.answered_queue_seconds,
    chains.agent_interaction_seconds,
    chains.hold_seconds,
    chains.number_of_holds,
    chains.after_contact_work_seconds,
    chains.handle_seconds,
    coalesce(chains.is_abandoned, false) as is_abandoned,
    coalesce(chains.is_ivr_contained, false) as is_ivr_contained,
    coalesce(chains.is_handled, false) as is_handled,
    coalesce(chains.is_valid, true) as is_valid
from chains
left join ticket_customers
    on chains.zendesk_ticket_id = ticket_customers.ticket_id
