-- Every journey instance that reached a step either reached the next, left the designed path
-- there, or is still in progress; no step is reached by more instances than the one before.
with

steps as (
    select
        journey,
        step_number,
        journeys_reached,
        journeys_left_here,
        journeys_in_progress_here,
        lead(journeys_reached) over (partition by journey order by step_number) as next_reached
    from {{ ref('mart_journey_conformance') }}
)

select *
from steps
where
    journeys_reached != coalesce(next_reached, 0) + journeys_left_here + journeys_in_progress_here
    and next_reached is not null
    or next_reached > journeys_reached
    or (next_reached is null and journeys_left_here + journeys_in_progress_here > 0)
