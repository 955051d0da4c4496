-- One row per CSAT answer, from both sources the contract's csat combines: a survey response
-- with a 1-5 satisfaction answer (Q2; satisfied = 4-5) and a Zendesk rating good or bad
-- (offered-but-unanswered excluded), with what it is about (issue, order, contact) and when.
with

survey_answers as (
    select
        'survey' as source,
        response_id as answer_id,
        customer_id,
        responded_at as answered_at,
        responded_on as answered_on,
        trigger,
        issue_id,
        order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        csat_score >= 4 as is_satisfied
    from {{ ref('fct_survey_response') }}
    where csat_score between 1 and 5
),

zendesk_ratings as (
    select
        'zendesk' as source,
        touchpoint_id as answer_id,
        customer_id,
        occurred_at as answered_at,
        occurred_on as answered_on,
        'ticket_rated' as trigger,
        issue_id,
        order_id,
        contact_id,
        detail = 'good' as is_satisfied
    from {{ ref('fct_touchpoint') }}
    where activity = 'rated_ticket' and detail in ('good', 'bad')
)

select * from survey_answers
union all
select * from zendesk_ratings
