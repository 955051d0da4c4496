-- One row per Zendesk ticket with what its audit history says: the first public agent reply,
-- every solve and reopen, the department (group) handoffs after the first assignment, the
-- assignee changes, the CSAT rating time, and the requester's resolved customer.
with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

users as (
    select * from {{ ref('stg_support__users') }}
),

child_events as (
    select * from {{ ref('stg_support__ticket_child_events') }}
),

requesters as (
    {{ resolved_customers_of('support', 'users', 'user_id') }}
),

-- The audit that created the ticket (it holds the Create child events): comments in it are the
-- request itself, never a reply.
creation_audits as (
    select
        ticket_id,
        min(ticket_event_id) as ticket_event_id
    from child_events
    where child_event_type = 'Create'
    group by ticket_id
),

comments as (
    select
        child_events.ticket_id,
        child_events.created_at,
        child_events.is_public,
        child_events.ticket_event_id = creation_audits.ticket_event_id as is_in_creation_audit,
        -- Staff wrote it: an agent or admin; an author missing from the users export counts as
        -- staff unless it is the requester.
        coalesce(not authors.is_end_user, child_events.author_id <> tickets.requester_id, false)
            as is_by_staff,
        child_events.author_id = tickets.requester_id as is_by_requester
    from child_events
    inner join tickets
        on child_events.ticket_id = tickets.ticket_id
    left join creation_audits
        on child_events.ticket_id = creation_audits.ticket_id
    left join users as authors
        on child_events.author_id = authors.user_id
    where child_events.child_event_type = 'Comment'
),

comment_summary as (
    select
        ticket_id,
        min(created_at) filter (
            where is_public and is_by_staff and not coalesce(is_in_creation_audit, false)
        ) as first_reply_at,
        count(*) filter (where is_public and is_by_staff) as n_public_agent_replies,
        count(*) filter (where is_public and is_by_requester) as n_requester_comments,
        count(*) filter (where not is_public) as n_internal_notes
    from comments
    group by ticket_id
),

status_changes as (
    select
        ticket_id,
        created_at,
        value as new_status,
        previous_value as previous_status,
        -- A solve: status set to solved, or closed straight from another status.
        value = 'solved' or (value = 'closed' and coalesce(previous_value, '') <> 'solved') as is_solve,
        -- A reopen: out of solved back to a working status.
        previous_value = 'solved' and value in ('new', 'open', 'pending', 'hold') as is_reopen
    from child_events
    where child_event_type = 'Change' and field_name = 'status'
),

status_summary as (
    select
        ticket_id,
        count(*) filter (where is_solve) as n_solves,
        min(created_at) filter (where is_solve) as first_solved_at,
        max(created_at) filter (where is_solve) as last_solved_at,
        count(*) filter (where is_reopen) as n_reopens
    from status_changes
    group by ticket_id
),

-- Every time the group (department) or assignee was set, in order. The first setting is the
-- assignment; each later setting to a different value is a change of owner.
ownership_events as (
    select
        ticket_id,
        field_name,
        created_at,
        child_event_id,
        value,
        nullif(previous_value, '') as previous_value
    from child_events
    where
        child_event_type in ('Create', 'Change')
        and field_name in ('group_id', 'assignee_id')
        and nullif(value, '') is not null
),

ownership_sequenced as (
    select
        *,
        lag(value) over (
            partition by ticket_id, field_name
            order by created_at, try_cast(child_event_id as bigint), child_event_id
        ) as earlier_value
    from ownership_events
),

ownership_summary as (
    select
        ticket_id,
        -- A change away from an owner: the value the Change replaced (its previous_value, else
        -- the value set before it in the export) is another one. Setting the first owner is not.
        count(*) filter (
            where field_name = 'group_id'
            and coalesce(previous_value, earlier_value) is not null
            and value <> coalesce(previous_value, earlier_value)
        ) as n_group_changes,
        count(*) filter (
            where field_name = 'assignee_id'
            and coalesce(previous_value, earlier_value) is not null
            and value <> coalesce(previous_value, earlier_value)
        ) as n_assignee_changes,
        {{ arg_min('value', 'created_at') }} filter (where field_name = 'group_id') as first_group_id
    from ownership_sequenced
    group by ticket_id
),

ratings as (
    select
        ticket_id,
        max(created_at) as rated_at
    from child_events
    where
        child_event_type = 'Change'
        and field_name = 'satisfaction_score'
        and value in ('good', 'bad')
    group by ticket_id
),

activity as (
    select
        ticket_id,
        max(created_at) as last_activity_at
    from child_events
    group by ticket_id
)

select
    tickets.ticket_id,
    requesters.customer_id,
    tickets.requester_id,
    tickets.submitter_id,
    tickets.created_at,
    tickets.updated_at,
    tickets.ticket_status,
    tickets.is_solved,
    tickets.via_channel,
    tickets.channel,
    tickets.contact_reason,
    tickets.order_id,
    tickets.sku,
    tickets.group_id,
    ownership_summary.first_group_id,
    tickets.assignee_id,
    -- Customer-initiated unless staff created it outside a call or chat (a proactive ticket).
    not coalesce(
        submitters.is_end_user = false and tickets.via_channel not in ('voice', 'chat'), false
    ) as is_inbound,
    comment_summary.first_reply_at,
    {{ date_diff('second', 'tickets.created_at', 'comment_summary.first_reply_at') }} / cast(60 as double) as first_reply_minutes,
    coalesce(comment_summary.n_public_agent_replies, 0) as n_public_agent_replies,
    coalesce(comment_summary.n_requester_comments, 0) as n_requester_comments,
    coalesce(comment_summary.n_internal_notes, 0) as n_internal_notes,
    coalesce(status_summary.n_solves, 0) as n_solves,
    status_summary.first_solved_at,
    -- The last solve; a ticket delivered as solved/closed without its solve audit falls back on
    -- its last update.
    case
        when tickets.is_solved then coalesce(status_summary.last_solved_at, tickets.updated_at)
    end as solved_at,
    status_summary.last_solved_at,
    coalesce(status_summary.n_reopens, 0) as n_reopens,
    coalesce(status_summary.n_reopens, 0) > 0 or coalesce(status_summary.n_solves, 0) > 1 as is_reopened,
    coalesce(ownership_summary.n_group_changes, 0) as n_group_changes,
    coalesce(ownership_summary.n_assignee_changes, 0) as n_assignee_changes,
    tickets.satisfaction_score,
    tickets.is_satisfied,
    -- When the CSAT answer was given: its audit, else (no audit exported) the ticket's last update.
    case when tickets.is_satisfied is not null then coalesce(ratings.rated_at, tickets.updated_at) end
        as rated_at,
    greatest(tickets.updated_at, activity.last_activity_at) as last_activity_at
from tickets
left join requesters
    on tickets.requester_id = requesters.user_id
left join users as submitters
    on tickets.submitter_id = submitters.user_id
left join comment_summary
    on tickets.ticket_id = comment_summary.ticket_id
left join status_summary
    on tickets.ticket_id = status_summary.ticket_id
left join ownership_summary
    on tickets.ticket_id = ownership_summary.ticket_id
left join ratings
    on tickets.ticket_id = ratings.ticket_id
left join activity
    on tickets.ticket_id = activity.ticket_id
