-- One row per journey instance (a journey and instance_key with a matched first step) and
-- `input_fingerprint`, one hash of everything that decides the instance's rows in
-- fct_journey_step_reached, which that fact's incremental build compares with the fingerprint it
-- last decided the instance from (macros/incremental_by_group.sql, decided_inputs):
-- - the instance's matched events (int_journey_step_matches: a step's event new, late, changed,
--   gone, or moved to another customer by identity) and its journey's design;
-- - the streams of next activities of the actors of those events (`next_activity` of a step the
--   instance left is read from its actor's);
-- - the data's end, until no step of the instance can still be waiting: is_in_progress flips to
--   left_here wait_days after a step is reached; once every matched event's wait_days have
--   passed within the data, the end no longer changes the instance.
-- Cheap on purpose: one aggregate per instance, no ordering (the instance's start, an arg_min per
-- instance, is left to the fact, for the instances it re-decides).
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

actor_streams as (
    select
        actor,
        {{ group_fingerprint(['occurred_at', 'activity']) }} as stream_fingerprint
    from events
    where is_next_activity
    group by actor
),

-- each matched event, with its actor's stream
matched_streams as (
    select
        matches.*,
        actor_streams.stream_fingerprint
    from matches
    left join actor_streams
        on matches.actor = actor_streams.actor
),

instance_matches as (
    select
        instance_id,
        journey,
        instance_key,
        {{ group_fingerprint([
            'event_id', 'actor', 'customer_id', 'occurred_at', 'step_number',
            'stream_fingerprint']) }} as matches_fingerprint,
        -- no step reached by these events waits past this
        max({{ plus_interval('occurred_at', 'wait_days', 'day') }}) as settled_at
    from matched_streams
    group by instance_id, journey, instance_key
    having bool_or(step_number = 1)
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

-- The data's end: its latest activity (the issue milestones are derived, not observed).
data_end as (
    select max(occurred_at) as data_end_at
    from events
    where not is_issue_milestone
),

instances as (
    select
        instance_matches.*,
        data_end.data_end_at,
        journeys.design_fingerprint
    from instance_matches
    cross join data_end
    inner join journeys
        on instance_matches.journey = journeys.journey
)

select
    instance_id,
    journey,
    instance_key,
    data_end_at,
    {{ row_fingerprint([
        'matches_fingerprint', 'design_fingerprint',
        'case when settled_at > data_end_at then data_end_at end']) }} as input_fingerprint
from instances
