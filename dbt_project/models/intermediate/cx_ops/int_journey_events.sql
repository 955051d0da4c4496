-- The events designed journeys are followed on (int_journey_step_matches) and "what the customer
-- did next" is read from (fct_journey_step_reached): every activity of the journey stream
-- (fct_touchpoint) that has a customer or an anonymous device, and two milestones of each
-- resolved issue: resolved_issue (at the resolution) and stayed_resolved (the follow-up window
-- passed without a repeat contact). `is_next_activity`: whether it counts as where a customer
-- went instead, the meta's ignored_next_activities aside.
{#- A var of the same name replaces the meta's list for a run (the unit test's). -#}
{% set meta = (config.get('meta') if config.get is defined else none) or {} %}
{% set ignored = var('ignored_next_activities', none) or meta.get('ignored_next_activities') or [] %}
{% set ignored = ['received_email'] if ignored is string else ignored %}
{% set followup_days = var('journey_followup_window_days', 7) %}

with

touchpoints as (
    select
        touchpoint_id as event_id,
        coalesce(customer_id, 'anonymous:' || anonymous_id) as actor,
        customer_id,
        occurred_at,
        activity,
        detail,
        session_id,
        issue_id,
        false as is_issue_milestone
    from {{ ref('fct_touchpoint') }}
    where coalesce(customer_id, anonymous_id) is not null
),

issues as (
    select * from {{ ref('fct_service_issue') }}
    where customer_id is not null and resolved_at is not null
),

events as (
    select * from touchpoints
    union all
    select
        'issue:resolved:' || issue_id as event_id,
        customer_id as actor,
        customer_id,
        resolved_at as occurred_at,
        'resolved_issue' as activity,
        contact_reason as detail,
        null as session_id,
        issue_id,
        true as is_issue_milestone
    from issues
    union all
    -- The follow-up window passed (within the data) without another inbound contact.
    select
        'issue:stayed_resolved:' || issue_id as event_id,
        customer_id as actor,
        customer_id,
        {{ plus_interval('resolved_at', followup_days, 'day') }} as occurred_at,
        'stayed_resolved' as activity,
        contact_reason as detail,
        null as session_id,
        issue_id,
        true as is_issue_milestone
    from issues
    where not has_repeat_contact and is_repeat_window_complete
)

select
    *,
    activity not in ('{{ ignored | join("', '") }}') as is_next_activity
from events
