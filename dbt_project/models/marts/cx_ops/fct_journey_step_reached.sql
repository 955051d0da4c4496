-- One row per instance of a designed journey and step it reached: the designed journeys
-- (int_designed_journey_steps, declared as YAML) are sequences of steps matched on
-- fct_touchpoint activities. A journey instance starts at the
-- first step's activity (per customer, per session or per issue, as the journey's `follow`
-- says); step k is reached by the first matching activity of the same instance after step k-1
-- (within `within_days` of the start, when given); an instance that stopped at a step less than
-- `wait_days` before the end of the data is in progress there, not leaving. Issues add two
-- milestones to the stream: resolved_issue (at the resolution) and stayed_resolved (the
-- follow-up window passed without a repeat contact). For an instance that left the designed
-- path at a step, next_activity is what its customer (or anonymous device) did next instead.
{#- A var of the same name replaces the meta's list for a run (the unit test's). -#}
{% set meta = (config.get('meta') if config.get is defined else none) or {} %}
{% set ignored = var('ignored_next_activities', none) or meta.get('ignored_next_activities') or [] %}
{% set ignored = ['received_email'] if ignored is string else ignored %}
{#- One CTE per step position: the journeys' longest possible (checked where they are declared). -#}
{% set max_steps = [var('journey_max_steps', 10) | int, 2] | max %}
{% set followup_days = var('journey_followup_window_days', 7) %}

with

designed as (
    select * from {{ ref('int_designed_journey_steps') }}
),

touchpoints as (
    select
        touchpoint_id as event_id,
        coalesce(customer_id, 'anonymous:' || anonymous_id) as actor,
        customer_id,
        occurred_at,
        activity,
        detail,
        session_id,
        issue_id
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
        issue_id
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
        issue_id
    from issues
    where not has_repeat_contact and is_repeat_window_complete
),

matches as (
    select
        designed.journey,
        designed.within_days,
        designed.wait_days,
        designed.step_number,
        designed.n_steps,
        designed.step,
        events.event_id,
        events.actor,
        events.customer_id,
        events.occurred_at,
        case designed.follow
            when 'session' then events.session_id
            when 'issue' then events.issue_id
            else events.actor
        end as instance_key
    from events
    inner join designed
        on
            events.activity = designed.activity
            and (designed.detail is null or events.detail = designed.detail)
),

reached_1 as (
    select
        journey,
        instance_key,
        1 as step_number,
        {{ arg_min('actor', '(occurred_at, event_id)') }} as actor,
        {{ arg_min('customer_id', '(occurred_at, event_id)') }} as customer_id,
        min(occurred_at) as started_at,
        min(occurred_at) as reached_at,
        {{ arg_min('event_id', '(occurred_at, event_id)') }} as event_id
    from matches
    where step_number = 1 and instance_key is not null
    group by journey, instance_key
),

{%- for k in range(2, max_steps + 1) %}

    reached_{{ k }} as (
        select
            previous.journey,
            previous.instance_key,
            {{ k }} as step_number,
            previous.actor,
            previous.customer_id,
            previous.started_at,
            min(matches.occurred_at) as reached_at,
            {{ arg_min('matches.event_id', '(matches.occurred_at, matches.event_id)') }} as event_id
        from reached_{{ k - 1 }} as previous
        inner join matches
            on
                previous.journey = matches.journey
                and previous.instance_key = matches.instance_key
                and matches.step_number = {{ k }}
                and previous.reached_at <= matches.occurred_at
                and previous.event_id != matches.event_id
                and (
                    matches.within_days is null
                    or matches.occurred_at <= {{ plus_interval('previous.started_at', 'matches.within_days', 'day') }}
                )
        group by
            previous.journey, previous.instance_key, previous.actor, previous.customer_id,
            previous.started_at
    ),
{%- endfor %}

reached as (
    {%- for k in range(1, max_steps + 1) %}
        select * from reached_{{ k }}
        {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

steps as (
    select distinct
        journey,
        step_number,
        n_steps,
        step,
        wait_days
    from designed
),

data_end as (
    select max(occurred_at) as data_end_at
    from touchpoints
),

flagged as (
    select
        reached.journey,
        reached.instance_key,
        reached.step_number,
        steps.n_steps,
        steps.step,
        reached.actor,
        reached.customer_id,
        reached.started_at,
        reached.reached_at,
        {{ date_diff('second', 'reached.started_at', 'reached.reached_at') }} / cast(3600 as double) as hours_from_start,
        reached.step_number < steps.n_steps and next_steps.instance_key is null as stopped_here,
        {{ plus_interval('reached.reached_at', 'steps.wait_days', 'day') }} > data_end.data_end_at as is_waiting
    from reached
    cross join data_end
    inner join steps
        on reached.journey = steps.journey and reached.step_number = steps.step_number
    left join reached as next_steps
        on
            reached.journey = next_steps.journey
            and reached.instance_key = next_steps.instance_key
            and reached.step_number + 1 = next_steps.step_number
),

-- What a customer did next: the meta's ignored_next_activities aside. Activities logged in the
-- same second (a checkout completed and its order placed) are one moment: the first by name
-- stands for it, so the ASOF join below (asof_next_join) picks the same row on every build.
actions as (
    select
        actor,
        occurred_at,
        min(activity) as activity
    from events
    where activity not in ('{{ ignored | join("', '") }}')
    group by actor, occurred_at
)

select
    flagged.journey,
    flagged.instance_key,
    flagged.step_number,
    flagged.n_steps,
    flagged.step,
    flagged.actor,
    flagged.customer_id,
    flagged.started_at,
    flagged.reached_at,
    flagged.hours_from_start,
    flagged.stopped_here and not flagged.is_waiting as left_here,
    flagged.stopped_here and flagged.is_waiting as is_in_progress,
    case
        when flagged.stopped_here and not flagged.is_waiting
            then coalesce(actions.activity, 'no_further_activity')
    end as next_activity
from flagged
{{ asof_next_join('flagged', 'actions', 'actor', 'reached_at', 'occurred_at', 'activity') }}
