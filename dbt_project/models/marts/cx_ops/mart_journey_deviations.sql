-- One row per designed journey, step and next activity: where the journey instances that left
-- the designed path at the step went instead (what their customer did next), ranked.
with

left_the_path as (
    select * from {{ ref('fct_journey_step_reached') }}
    where left_here
),

counted as (
    select
        journey,
        step_number,
        step,
        next_activity,
        count(*) as journeys,
        count(distinct actor) as customers
    from left_the_path
    group by journey, step_number, step, next_activity
)

select
    journey,
    step_number,
    step,
    next_activity,
    journeys,
    customers,
    journeys / sum(journeys) over by_step as share_of_leavers,
    cast(row_number() over (partition by journey, step_number order by journeys desc, next_activity asc) as bigint)
        as rank_at_step
from counted
window by_step as (partition by journey, step_number)
