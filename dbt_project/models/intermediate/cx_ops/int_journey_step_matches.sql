-- Every event (int_journey_events) that matches a step of a designed journey
-- (int_designed_journey_steps), with the journey instance it belongs to: `instance_key` is the
-- customer (or anonymous device), the GA4 session or the issue, as the journey's `follow` says;
-- `instance_id` names the instance (journey and instance_key) as one value, the group that
-- fct_journey_step_reached re-decides as a whole. Events with no such key belong to no instance.
with

designed as (
    select * from {{ ref('int_designed_journey_steps') }}
),

events as (
    select * from {{ ref('int_journey_events') }}
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
)

select
    *,
    {{ group_of_columns(['journey', 'instance_key']) }} as instance_id
from matches
where instance_key is not null
