-- One row per designed journey and step (declared in int_designed_journey_steps.yml): how many
-- journeys and customers reached the step, how many left the designed path there and where
-- they went instead (the top next activities, detail in mart_journey_deviations), and the
-- median time from the journey's start to the step.
with

designed_steps as (
    select distinct
        journey,
        description as journey_description,
        step_number,
        step
    from {{ ref('int_designed_journey_steps') }}
),

reached as (
    select * from {{ ref('fct_journey_step_reached') }}
),

deviations as (
    select * from {{ ref('mart_journey_deviations') }}
),

reached_counts as (
    select
        journey,
        step_number,
        count(*) as journeys_reached,
        count(distinct actor) as customers_reached,
        count(distinct customer_id) as identified_customers_reached,
        cast(count_if(left_here) as bigint) as journeys_left_here,
        count(distinct case when left_here then actor end) as customers_left_here,
        cast(count_if(is_in_progress) as bigint) as journeys_in_progress_here,
        median(hours_from_start) as median_hours_from_start,
        {{ quantile_cont('hours_from_start', 0.9) }} as p90_hours_from_start
    from reached
    group by journey, step_number
),

-- Every designed step, reached or not.
steps as (
    select
        designed_steps.journey,
        designed_steps.journey_description,
        designed_steps.step_number,
        designed_steps.step,
        coalesce(reached_counts.journeys_reached, 0) as journeys_reached,
        coalesce(reached_counts.customers_reached, 0) as customers_reached,
        coalesce(reached_counts.identified_customers_reached, 0) as identified_customers_reached,
        coalesce(reached_counts.journeys_left_here, 0) as journeys_left_here,
        coalesce(reached_counts.customers_left_here, 0) as customers_left_here,
        coalesce(reached_counts.journeys_in_progress_here, 0) as journeys_in_progress_here,
        reached_counts.median_hours_from_start,
        reached_counts.p90_hours_from_start
    from designed_steps
    left join reached_counts
        on
            designed_steps.journey = reached_counts.journey
            and designed_steps.step_number = reached_counts.step_number
),

top_deviations as (
    select
        journey,
        step_number,
        {{ ordered_struct_list(['next_activity', 'journeys', 'share_of_leavers'], 'rank_at_step') }}
            as top_next_activities,
        {{ ordered_string_agg(
            format_text('{} ({:.0f} %)', 'next_activity', '100 * share_of_leavers'), ', ', 'rank_at_step'
        ) }} as top_next_activities_text
    from deviations
    where rank_at_step <= {{ var('journey_conformance_top_next_activities', 3) }}
    group by journey, step_number
)

select
    steps.journey,
    steps.journey_description,
    steps.step_number,
    steps.step,
    steps.journeys_reached,
    steps.customers_reached,
    steps.identified_customers_reached,
    steps.journeys_left_here,
    steps.customers_left_here,
    steps.journeys_in_progress_here,
    steps.journeys_left_here / nullif(steps.journeys_reached, 0) as share_left_here,
    steps.journeys_reached / nullif(first_value(steps.journeys_reached) over by_journey, 0)
        as share_of_starts,
    steps.journeys_reached / nullif(lag(steps.journeys_reached) over by_journey, 0)
        as share_of_previous_step,
    steps.median_hours_from_start,
    steps.p90_hours_from_start,
    top_deviations.top_next_activities,
    top_deviations.top_next_activities_text
from steps
left join top_deviations
    on steps.journey = top_deviations.journey and steps.step_number = top_deviations.step_number
window by_journey as (partition by steps.journey order by steps.step_number)
