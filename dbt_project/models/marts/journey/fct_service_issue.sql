-- One row per customer issue (episode) across every channel and system that handled it: its
-- contacts (tickets and call/chat chains, grouped by int_service_issues_grouped's episode rule),
-- effort drivers, Zendesk reply and resolution times, first-contact resolution and repeat
-- contact, and the cycle time of the refund it asked for.
with

contacts as (
    select * from {{ ref('int_service_issues_grouped') }}
),

touchpoints as (
    select * from {{ ref('fct_touchpoint') }}
),

issues as (
    select
        issue_id,
        {{ arg_min('customer_id', '(started_at, contact_id)') }} as customer_id,
        min(started_at) as opened_at,
        -- Resolved when every ticket of the issue is solved (at the last solve); an issue of
        -- calls and chats only, when one of them was handled or contained (at its end).
        case
            when count(*) filter (where ticket_id is not null and resolved_at is null) > 0 then null
            when count(ticket_id) > 0 then max(resolved_at) filter (where ticket_id is not null)
            else max(resolved_at)
        end as resolved_at,
        max(greatest(last_activity_at, started_at)) as last_activity_at,
        {{ arg_min('contact_reason', '(started_at, contact_id)') }} as contact_reason,
        {{ arg_min('order_id', '(coalesce(ticket_created_at, started_at), contact_id)') }} as order_id,
        {{ arg_min('sku', '(coalesce(ticket_created_at, started_at), contact_id)') }} as sku,
        count(*) as n_contacts,
        count(ticket_id) as n_tickets,
        count(*) filter (where contact_type = 'chain') as n_chains,
        count(*) filter (where is_inbound) as n_inbound_contacts,
        {{ distinct_string_agg('channel', ',') }} as channels,
        {{ arg_min('channel', '(started_at, contact_id)') }} as first_channel,
        count(distinct channel) as n_channels,
        cast(sum(n_handoffs) as bigint) as n_handoffs,
        cast(sum(n_group_changes) as bigint) as n_group_changes,
        cast(sum(n_queue_changes) as bigint) as n_queue_changes,
        cast(sum(transfers) as bigint) as n_transfers,
        cast(sum(auth_attempts) as bigint) as auth_attempts,
        cast(greatest(sum(auth_attempts) - 1, 0) as bigint) as auth_repeats,
        cast(coalesce(sum(hold_seconds), 0) as bigint) as hold_seconds,
        cast(coalesce(sum(handle_seconds), 0) as bigint) as handle_seconds,
        cast(coalesce(sum(queue_seconds), 0) as bigint) as queue_seconds,
        -- Zendesk's first reply time, of the issue's first ticket.
        {{ arg_min_null("first_reply_minutes", "(ticket_created_at, contact_id)") }} filter (
            where ticket_created_at is not null
        ) as first_reply_minutes,
        -- Across channels: the first public agent reply on a ticket or an agent answering a call.
        least(min(first_reply_at), min(answered_at)) as first_response_at,
        coalesce(bool_or(is_reopened), false) as is_reopened,
        bool_or(is_abandoned) as has_abandoned_contact
    from contacts
    group by issue_id
),

-- Another inbound contact of the same customer within 7 days after the resolution.
repeat_contacts as (
    select
        issues.issue_id,
        count(*) as n_repeat_contacts
    from issues
    inner join contacts
        on
            issues.customer_id = contacts.customer_id
            and issues.resolved_at < contacts.started_at
            and issues.resolved_at + interval 7 day >= contacts.started_at
    where contacts.is_inbound
    group by issues.issue_id
),

refunds as (
    select
        contacts.issue_id,
        max(refunds.refund_cycle_hours) as refund_cycle_hours,
        {{ arg_max('refunds.refund_id', 'refunds.completed_at') }} as refund_id,
        cast(sum(refunds.amount) as decimal(18, 2)) as refunded_amount
    from {{ ref('int_refunds_timed') }} as refunds
    inner join contacts
        on refunds.ticket_id = contacts.ticket_id
    where refunds.is_succeeded
    group by contacts.issue_id
),

-- Systems with activity for the issue between its opening and its resolution (for an unresolved
-- issue, its last activity): its own contacts' systems, and the systems of every touchpoint in
-- that window linked to the issue (a refund its ticket asked for) or done by its customer,
-- campaign e-mails sent to the customer (received, bounced) excepted.
windows as (
    select
        issue_id,
        customer_id,
        opened_at as window_start,
        coalesce(resolved_at, last_activity_at) as window_end
    from issues
),

issue_systems as (
    select
        issue_id,
        source_system
    from contacts
    union
    select
        issue_id,
        'support' as source_system
    from contacts
    where ticket_id is not null
    {%- for linked_by in ['issue_id', 'customer_id'] %}
        union
        select
            windows.issue_id,
            touchpoints.source_system
        from windows
        inner join touchpoints
            on
                windows.{{ linked_by }} = touchpoints.{{ linked_by }}
                and touchpoints.occurred_at between windows.window_start and windows.window_end
        {%- if linked_by == 'customer_id' %}
            where touchpoints.activity not in ('received_email', 'bounced_email')
        {%- endif %}
    {%- endfor %}
),

systems as (
    select
        issue_id,
        count(distinct source_system) as n_systems_touched,
        {{ distinct_string_agg('source_system', ',') }} as systems_touched
    from issue_systems
    group by issue_id
),

as_of as (
    select max(occurred_at) as data_as_of
    from touchpoints
),

flagged as (
    select
        issues.*,
        issues.resolved_at is not null as is_resolved,
        case
            when issues.resolved_at is not null then coalesce(repeat_contacts.n_repeat_contacts, 0) > 0
        end as has_repeat_contact,
        coalesce(repeat_contacts.n_repeat_contacts, 0) as n_repeat_contacts,
        issues.resolved_at + interval 7 day <= as_of.data_as_of as is_repeat_window_complete,
        systems.n_systems_touched,
        systems.systems_touched,
        refunds.refund_id,
        refunds.refunded_amount,
        refunds.refund_cycle_hours
    from issues
    cross join as_of
    left join repeat_contacts
        on issues.issue_id = repeat_contacts.issue_id
    left join systems
        on issues.issue_id = systems.issue_id
    left join refunds
        on issues.issue_id = refunds.issue_id
)

select
    issue_id,
    customer_id,
    opened_at,
    resolved_at,
    contact_reason,
    order_id,
    n_contacts,
    channels,
    n_systems_touched,
    n_handoffs,
    n_transfers,
    auth_repeats,
    hold_seconds,
    handle_seconds,
    first_reply_minutes,
    {{ date_diff('second', 'opened_at', 'resolved_at') }} / cast(60 as double) as resolution_minutes,
    -- Resolved with exactly one contact across channels, never reopened, and no repeat contact.
    case
        when is_resolved then n_contacts = 1 and not is_reopened and not has_repeat_contact
    end as is_first_contact_resolution,
    is_reopened,
    has_repeat_contact,
    refund_cycle_hours,
    {{ utc_to_local_date('opened_at') }} as opened_on,
    {{ utc_to_local_date('resolved_at') }} as resolved_on,
    is_resolved,
    sku,
    first_channel,
    n_channels,
    n_tickets,
    n_chains,
    n_inbound_contacts,
    systems_touched,
    n_group_changes,
    n_queue_changes,
    auth_attempts,
    queue_seconds,
    {{ date_diff('second', 'opened_at', 'first_response_at') }} / cast(60 as double) as first_response_minutes,
    has_abandoned_contact,
    n_repeat_contacts,
    is_repeat_window_complete,
    refund_id,
    refunded_amount,
    last_activity_at,
    -- Driver buckets (one definition: macros/cx_ops_buckets.sql), as dimensions for NPS/CSAT/CES.
    {{ count_bucket('n_handoffs') }} as handoffs_bucket,
    {{ count_bucket('n_transfers') }} as transfers_bucket,
    {{ count_bucket('auth_repeats') }} as auth_repeats_bucket,
    {{ hold_time_bucket('hold_seconds') }} as hold_time_bucket,
    {{ refund_cycle_bucket('refund_cycle_hours') }} as refund_cycle_bucket
from flagged
