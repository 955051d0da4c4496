-- One row per operational driver and bucket: how customers rated the service issues in that
-- bucket (NPS, CSAT, CES of the ticket_solved survey, Zendesk CSAT ratings), how far each bucket
-- sits from its driver's baseline with a 95 % confidence interval, and how many of the issues'
-- customers ordered again after the resolution. Scores use the semantic layer's definitions
-- (nps, csat, ces: same columns, same filters); the intervals are why this is a mart, not a
-- metric (DECISIONLOG).
{% set compared = [
    {'name': 'nps', 'n': 'nps_responses'},
    {'name': 'csat_survey', 'n': 'csat_survey_responses'},
    {'name': 'csat_zendesk', 'n': 'csat_zendesk_ratings'},
    {'name': 'csat', 'n': 'csat_responses'},
    {'name': 'ces', 'n': 'ces_responses'},
    {'name': 'later_repeat_purchase_rate', 'n': 'repeat_purchase_customers'},
] -%}

with

buckets as (
    select * from {{ ref('fct_service_issue_driver_bucket') }}
),

-- The ticket_solved survey, tied to the issue of the ticket it embeds.
responses as (
    select
        issue_id,
        nps_score,
        csat_score,
        ces_score
    from {{ ref('fct_survey_response') }}
    where trigger = 'ticket_solved' and issue_id is not null
),

-- Zendesk CSAT: good or bad ratings of the issue's tickets (fct_satisfaction_answer).
ratings as (
    select
        issue_id,
        is_satisfied
    from {{ ref('fct_satisfaction_answer') }}
    where source = 'zendesk' and issue_id is not null
),

orders as (
    select
        customer_id,
        ordered_at
    from {{ ref('fct_order') }}
    where not is_cancelled and customer_id is not null
),

catalogue as (
    select distinct
        driver,
        bucket,
        bucket_order,
        is_baseline,
        bucket_description
    from buckets
),

issue_counts as (
    select
        driver,
        bucket,
        count(*) as issues,
        count(resolved_at) as resolved_issues
    from buckets
    group by driver, bucket
),

survey_counts as (
    select
        buckets.driver,
        buckets.bucket,
        count(responses.nps_score) as nps_responses,
        cast(count_if(responses.nps_score >= 9) as bigint) as nps_promoters,
        cast(count_if(responses.nps_score <= 6) as bigint) as nps_detractors,
        count(responses.csat_score) as csat_survey_responses,
        cast(count_if(responses.csat_score >= 4) as bigint) as csat_survey_satisfied,
        count(responses.ces_score) as ces_responses,
        avg(responses.ces_score) as ces,
        {{ integer_sample_stddev('responses.ces_score') }} as ces_standard_deviation,
        cast(count_if(responses.ces_score >= 5) as bigint) as ces_easy_responses
    from buckets
    inner join responses
        on buckets.issue_id = responses.issue_id
    group by buckets.driver, buckets.bucket
),

rating_counts as (
    select
        buckets.driver,
        buckets.bucket,
        count(*) as csat_zendesk_ratings,
        cast(count_if(ratings.is_satisfied) as bigint) as csat_zendesk_good
    from buckets
    inner join ratings
        on buckets.issue_id = ratings.issue_id
    group by buckets.driver, buckets.bucket
),

-- Each customer counts once per driver, in the bucket of their first issue with an outcome for
-- it (so the buckets' customers are disjoint samples), from that outcome on.
first_experiences as (
    select
        driver,
        customer_id,
        {{ arg_min('bucket', '(outcome_at, issue_id)') }} as bucket,
        min(outcome_at) as outcome_at
    from buckets
    where customer_id is not null and outcome_at is not null
    group by driver, customer_id
),

repeat_purchase_counts as (
    select
        driver,
        bucket,
        count(*) as repeat_purchase_customers,
        cast(count_if(ordered_again) as bigint) as repeat_purchase_customers_ordered_again
    from (
        select
            first_experiences.driver,
            first_experiences.bucket,
            first_experiences.customer_id,
            exists(
                select 1
                from orders
                where
                    orders.customer_id = first_experiences.customer_id
                    and orders.ordered_at > first_experiences.outcome_at
            ) as ordered_again
        from first_experiences
    ) as customer_outcomes
    group by driver, bucket
),

counted as (
    select
        catalogue.driver,
        catalogue.bucket,
        catalogue.bucket_order,
        catalogue.is_baseline,
        catalogue.bucket_description,
        coalesce(issue_counts.issues, 0) as issues,
        coalesce(issue_counts.resolved_issues, 0) as resolved_issues,
        coalesce(survey_counts.nps_responses, 0) as nps_responses,
        coalesce(survey_counts.nps_promoters, 0) as nps_promoters,
        coalesce(survey_counts.nps_detractors, 0) as nps_detractors,
        coalesce(survey_counts.csat_survey_responses, 0) as csat_survey_responses,
        coalesce(survey_counts.csat_survey_satisfied, 0) as csat_survey_satisfied,
        coalesce(rating_counts.csat_zendesk_ratings, 0) as csat_zendesk_ratings,
        coalesce(rating_counts.csat_zendesk_good, 0) as csat_zendesk_good,
        coalesce(survey_counts.ces_responses, 0) as ces_responses,
        survey_counts.ces,
        survey_counts.ces_standard_deviation,
        coalesce(survey_counts.ces_easy_responses, 0) as ces_easy_responses,
        coalesce(repeat_purchase_counts.repeat_purchase_customers, 0) as repeat_purchase_customers,
        coalesce(repeat_purchase_counts.repeat_purchase_customers_ordered_again, 0)
            as repeat_purchase_customers_ordered_again
    from catalogue
    left join issue_counts
        on catalogue.driver = issue_counts.driver and catalogue.bucket = issue_counts.bucket
    left join survey_counts
        on catalogue.driver = survey_counts.driver and catalogue.bucket = survey_counts.bucket
    left join rating_counts
        on catalogue.driver = rating_counts.driver and catalogue.bucket = rating_counts.bucket
    left join repeat_purchase_counts
        on
            catalogue.driver = repeat_purchase_counts.driver
            and catalogue.bucket = repeat_purchase_counts.bucket
),

estimated as (
    select
        *,
        csat_survey_responses + csat_zendesk_ratings as csat_responses,
        csat_survey_satisfied + csat_zendesk_good as csat_satisfied,
        cast(100 as double) * (nps_promoters - nps_detractors) / nullif(nps_responses, 0) as nps,
        {{ nps_standard_error('nps_promoters', 'nps_detractors', 'nps_responses') }}
            as nps_standard_error,
        csat_survey_satisfied / nullif(csat_survey_responses, 0) as csat_survey,
        {{ proportion_standard_error('csat_survey_satisfied', 'csat_survey_responses') }}
            as csat_survey_standard_error,
        csat_zendesk_good / nullif(csat_zendesk_ratings, 0) as csat_zendesk,
        {{ proportion_standard_error('csat_zendesk_good', 'csat_zendesk_ratings') }}
            as csat_zendesk_standard_error,
        (csat_survey_satisfied + csat_zendesk_good)
        / nullif(csat_survey_responses + csat_zendesk_ratings, 0) as csat,
        {{ proportion_standard_error(
            '(csat_survey_satisfied + csat_zendesk_good)',
            '(csat_survey_responses + csat_zendesk_ratings)'
        ) }} as csat_standard_error,
        {{ mean_standard_error('ces_standard_deviation', 'ces_responses') }} as ces_standard_error,
        ces_easy_responses / nullif(ces_responses, 0) as ces_easy_share,
        repeat_purchase_customers_ordered_again / nullif(repeat_purchase_customers, 0)
            as later_repeat_purchase_rate,
        {{ proportion_standard_error(
            'repeat_purchase_customers_ordered_again', 'repeat_purchase_customers'
        ) }} as later_repeat_purchase_rate_standard_error
    from counted
),

with_baseline as (
    select
        *,
        max(case when is_baseline then bucket end) over by_driver as baseline_bucket,
        max(case when is_baseline then bucket_description end) over by_driver
            as baseline_description,
    {%- for m in compared %}
        max(case when is_baseline then {{ m.name }} end) over by_driver as baseline_{{ m.name }},
        max(case when is_baseline then {{ m.name }}_standard_error end) over by_driver
            as baseline_{{ m.name }}_standard_error,
        max(case when is_baseline then {{ m.n }} end) over by_driver as baseline_{{ m.n }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    from estimated
    window by_driver as (partition by driver)
),

compared as (
    select
        *,
    {%- for m in compared %}
        {{ m.name }} - baseline_{{ m.name }} as {{ m.name }}_difference,
        case
            when not is_baseline
                then
                    {{ difference_standard_error(m.name ~ '_standard_error', 'baseline_' ~ m.name ~ '_standard_error') }}
        end as {{ m.name }}_difference_standard_error
        {{- ',' if not loop.last }}
    {%- endfor %}
    from with_baseline
),

intervals as (
    select
        *,
    {%- for m in compared %}
        {{ m.name }}_difference - {{ confidence_z() }} * {{ m.name }}_difference_standard_error
            as {{ m.name }}_difference_ci_low,
        {{ m.name }}_difference + {{ confidence_z() }} * {{ m.name }}_difference_standard_error
            as {{ m.name }}_difference_ci_high
        {{- ',' if not loop.last }}
    {%- endfor %}
    from compared
)

select
    driver,
    bucket,
    bucket_order,
    is_baseline,
    baseline_bucket,
    bucket_description,
    issues,
    resolved_issues,
    nps_responses,
    nps_promoters,
    nps_detractors,
    nps,
    nps_standard_error,
    csat_survey_responses,
    csat_survey_satisfied,
    csat_survey,
    csat_zendesk_ratings,
    csat_zendesk_good,
    csat_zendesk,
    csat_responses,
    csat_satisfied,
    csat,
    ces_responses,
    ces,
    ces_standard_error,
    ces_easy_share,
    repeat_purchase_customers,
    repeat_purchase_customers_ordered_again,
    later_repeat_purchase_rate,
    {%- for m in compared %}
        {{ m.name }}_difference,
        {{ m.name }}_difference_ci_low,
        {{ m.name }}_difference_ci_high,
    {%- endfor %}
    {%- for words in [
        {'column': 'plain_words', 'metric': 'nps', 'n': 'nps_responses', 'label': 'NPS', 'unit': 'points', 'scale': 1, 'decimals': 0, 'counted': 'answers', 'level_unit': ''},
        {'column': 'plain_words_csat', 'metric': 'csat', 'n': 'csat_responses', 'label': 'CSAT', 'unit': 'percentage points', 'scale': 100, 'decimals': 0, 'counted': 'answers', 'level_unit': ' %'},
        {'column': 'plain_words_ces', 'metric': 'ces', 'n': 'ces_responses', 'label': 'CES', 'unit': 'points (1-7 scale)', 'scale': 1, 'decimals': 1, 'counted': 'answers', 'level_unit': ''},
        {'column': 'plain_words_repeat_purchase', 'metric': 'later_repeat_purchase_rate', 'n': 'repeat_purchase_customers', 'label': 'repeat purchase', 'unit': 'percentage points', 'scale': 100, 'decimals': 0, 'counted': 'customers', 'level_unit': ' %'},
    ] %}
    {{ plain_words(
        'bucket_description', 'baseline_description', 'is_baseline', words.metric,
        words.metric ~ '_difference',
        words.metric ~ '_difference_ci_low', words.metric ~ '_difference_ci_high',
        words.n, 'baseline_' ~ words.n, words.label, words.unit,
        scale=words.scale, decimals=words.decimals, counted=words.counted,
        level_unit=words.level_unit
    ) }} as {{ words.column }}{{ ',' if not loop.last }}
{%- endfor %}
from intervals
