-- One row per journey instance (a journey and instance_key with a first step): its start — the
-- first matching event of step 1, whose actor and customer the instance is — and
-- `input_fingerprint`, one hash of everything that decides the instance's rows in
-- fct_journey_step_reached, which that fact's incremental build compares with the fingerprint it
-- last decided the instance from (macros/incremental_by_group.sql, decided_inputs):
-- - the instance's matched events (int_journey_step_matches: a step's event new, late, changed,
--   gone, or moved to another customer by identity) and its journey's design;
-- - its actor's stream of next activities (`next_activity` of a step it left is read from it);
-- - the data's end, until no step of the instance can still be waiting: is_in_progress flips to
--   left_here wait_days after a step is reached; once every matched event's wait_days have
--   passed within the data, the end no longer changes the instance.
{{ config(materialized='table') }}

with

matches as (
    select * from {{ ref('int_journey_step_matches') }}
),

events as (
    select * from {{ ref('int_journey_events') }}
),

designed as (
    select * from {{ ref('int_designed_journey_steps') }}
),

starts as (
    select
        instance_id,
        journey,
        instance_key,
        {{ arg_min('actor', '(occurred_at, event_id)') }} as actor,
        {{ arg_min('customer_id', '(occurred_at, event_id)') }} as customer_id,
        min(occurred_at) as started_at,
        {{ arg_min('event_id', '(occurred_at, event_id)') }} as start_event_id
    from matches
    where step_number = 1
    group by instance_id, journey, instance_key
),

instance_matches as (
    select
        instance_id,
        {{ group_fingerprint(['event_id', 'actor', 'customer_id', 'occurred_at', 'step_number']) }}
            as matches_fingerprint,
        -- no step reached by these events waits past this
        max({{ plus_interval('occurred_at', 'wait_days', 'day') }}) as settled_at
    from matches
    group by instance_id
),

journeys as (
    select
        journey,
        {{ group_fingerprint([
            'follow', 'within_days', 'wait_days', 'step_number', 'n_steps', 'step', 'activity',
            'detail']) }} as design_fingerprint
    from designed
    group by journey
),

actor_streams as (
    select
        actor,
        {{ group_fingerprint(['occurred_at', 'activity']) }} as stream_fingerprint
    from events
    where is_next_activity
    group by actor
),

-- The data's end: its latest activity (the issue milestones are derived, not observed).
data_end as (
    select max(occurred_at) as data_end_at
    from events
    where not is_issue_milestone
),

instances as (
    select
        starts.*,
        data_end.data_end_at,
        instance_matches.matches_fingerprint,
        instance_matches.settled_at,
        journeys.design_fingerprint,
        actor_streams.stream_fingerprint
    from starts
    cross join data_end
    inner join instance_matches
        on starts.instance_id = instance_matches.instance_id
    inner join journeys
        on starts.journey = journeys.journey
    left join actor_streams
        on starts.actor = actor_streams.actor
)

select
    instance_id,
    journey,
    instance_key,
    actor,
    customer_id,
    started_at,
    start_event_id,
    data_end_at,
    {{ row_fingerprint([
        'matches_fingerprint', 'design_fingerprint', 'stream_fingerprint',
        'case when settled_at > data_end_at then data_end_at end']) }} as input_fingerprint
from instances
