-- One row per customer contact with service, in one layout: a Zendesk ticket, or an Amazon
-- Connect chain (a call or chat with its transfers). A ticket that an agent logged during a call
-- or chat (the chain names it in Attributes.zendesk_ticket_id and the ticket was created between
-- the chain's start and {{ var('journey_call_log_grace_minutes', 15) }} minutes after its end) is
-- that chain's record, not a second contact: it is folded into the chain's row. A chain naming
-- any other ticket is an explicit follow-up of the contact holding that ticket (linked_contact_id).
with

tickets as (
    select * from {{ ref('int_ticket_histories_summarised') }}
),

chains as (
    select * from {{ ref('int_contact_chains_assembled') }}
),

-- The chain whose agent logged the ticket: the earliest chain naming it that was live when it
-- was created.
call_logs as (
    select
        tickets.ticket_id,
        {{ arg_min('chains.initial_contact_id', '(chains.started_at, chains.initial_contact_id)') }}
            as initial_contact_id
    from tickets
    inner join chains
        on tickets.ticket_id = chains.zendesk_ticket_id
    where
        tickets.created_at >= chains.started_at
        and tickets.created_at
        <= chains.ended_at + interval {{ var('journey_call_log_grace_minutes', 15) }} minute
    group by tickets.ticket_id
),

ticket_contacts as (
    select
        'ticket-' || tickets.ticket_id as contact_id,
        'ticket' as contact_type,
        'support' as source_system,
        tickets.channel,
        tickets.customer_id,
        tickets.created_at as started_at,
        cast(null as timestamp) as ended_at,
        cast(null as timestamp) as answered_at,
        tickets.solved_at as resolved_at,
        tickets.last_activity_at,
        tickets.ticket_id,
        cast(null as {{ dbt.type_string() }}) as initial_contact_id,
        cast(null as {{ dbt.type_string() }}) as linked_contact_id,
        tickets.contact_reason,
        tickets.order_id,
        tickets.sku,
        tickets.is_inbound,
        cast(null as {{ dbt.type_string() }}) as initiation_method,
        0 as legs,
        0 as transfers,
        0 as n_queue_changes,
        tickets.n_group_changes,
        tickets.n_group_changes as n_handoffs,
        0 as auth_attempts,
        0 as auth_repeats,
        cast(null as bigint) as queue_seconds,
        cast(null as bigint) as answered_queue_seconds,
        0 as n_queued_legs,
        0 as n_handled_legs,
        cast(null as bigint) as handle_seconds,
        cast(null as bigint) as hold_seconds,
        cast(null as bigint) as agent_interaction_seconds,
        cast(null as bigint) as after_contact_work_seconds,
        cast(null as {{ dbt.type_string() }}) as queue_path,
        false as is_abandoned,
        false as is_ivr_contained,
        cast(null as boolean) as is_handled,
        tickets.created_at as ticket_created_at,
        tickets.first_reply_at,
        tickets.first_reply_minutes,
        tickets.n_solves,
        tickets.is_reopened,
        tickets.satisfaction_score,
        tickets.rated_at
    from tickets
    left join call_logs
        on tickets.ticket_id = call_logs.ticket_id
    where call_logs.ticket_id is null
),

chain_contacts as (
    select
        'chain-' || chains.initial_contact_id as contact_id,
        'chain' as contact_type,
        'contact_center' as source_system,
        chains.channel,
        coalesce(chains.customer_id, logged.customer_id) as customer_id,
        chains.started_at,
        chains.ended_at,
        chains.answered_at,
        case
            -- The call's ticket decides: resolved when it is solved.
            when logged.ticket_id is not null then logged.solved_at
            -- Ended in a queue: not resolved.
            when chains.is_abandoned then null
            -- Handled by an agent, or served by the IVR: resolved when the chain ended.
            when chains.is_handled or chains.is_ivr_contained then chains.ended_at
        end as resolved_at,
        greatest(chains.ended_at, logged.last_activity_at) as last_activity_at,
        logged.ticket_id,
        chains.initial_contact_id,
        case
            when chains.zendesk_ticket_id is not null and logged.ticket_id is null
                then
                    case
                        when named_log.initial_contact_id is not null
                            then 'chain-' || named_log.initial_contact_id
                        when named.ticket_id is not null then 'ticket-' || named.ticket_id
                    end
        end as linked_contact_id,
        coalesce(logged.contact_reason, chains.intent) as contact_reason,
        logged.order_id,
        logged.sku,
        chains.is_inbound,
        chains.initiation_method,
        chains.legs,
        chains.transfers,
        chains.n_queue_changes,
        coalesce(logged.n_group_changes, 0) as n_group_changes,
        chains.n_queue_changes + coalesce(logged.n_group_changes, 0) as n_handoffs,
        chains.auth_attempts,
        chains.auth_repeats,
        chains.queue_seconds,
        chains.answered_queue_seconds,
        chains.n_queued_legs,
        chains.n_handled_legs,
        chains.handle_seconds,
        chains.hold_seconds,
        chains.agent_interaction_seconds,
        chains.after_contact_work_seconds,
        chains.queue_path,
        chains.is_abandoned,
        chains.is_ivr_contained,
        chains.is_handled,
        logged.created_at as ticket_created_at,
        logged.first_reply_at,
        logged.first_reply_minutes,
        logged.n_solves,
        logged.is_reopened,
        logged.satisfaction_score,
        logged.rated_at
    from chains
    left join call_logs
        on chains.initial_contact_id = call_logs.initial_contact_id
    left join tickets as logged
        on call_logs.ticket_id = logged.ticket_id
    -- The ticket the chain names, when it is not the chain's own log.
    left join tickets as named
        on chains.zendesk_ticket_id = named.ticket_id
    left join call_logs as named_log
        on chains.zendesk_ticket_id = named_log.ticket_id
)

select * from ticket_contacts
union all
select * from chain_contacts
