-- One row per valid (real, finished) survey response, scored and tied to its customer.
with

responses as (
    select * from {{ ref('stg_surveys__responses') }}
    where is_valid_response
),

contacts as (
    select
        contact_id,
        contact_id_15
    from {{ ref('stg_crm__contacts') }}
),

respondents as (
    {{ resolved_customers_of('surveys', 'responses', 'response_id') }}
),

crm_customers as (
    {{ resolved_customers_of('crm', 'contacts', 'contact_id') }}
),

-- The service issue of the ticket a ticket_solved survey embeds.
ticket_issues as (
    select
        ticket_id,
        issue_id
    from {{ ref('int_service_issues_grouped') }}
    where ticket_id is not null
)

select
    responses.response_id,
    -- The respondent's resolved customer: that of the response itself, else that of the
    -- Salesforce contact its ExternalReference names (18-character id or 15-character form).
    coalesce(respondents.customer_id, crm_customers.customer_id) as customer_id,
    responses.recorded_at as responded_at,
    {{ utc_to_local_date('responses.recorded_at') }} as responded_on,
    responses.survey_trigger as trigger,
    ticket_issues.issue_id,
    responses.ticket_id,
    responses.order_id,
    responses.nps_score,
    case
        when responses.nps_score >= 9 then 'promoter'
        when responses.nps_score >= 7 then 'passive'
        when responses.nps_score >= 0 then 'detractor'
    end as nps_group,
    responses.csat_score,
    responses.ces_score,
    responses.comment,
    responses.distribution_channel
from responses
-- Two equi-joins rather than one OR join, which DuckDB can only run as a nested loop (404 s of
-- the 1M run's journey marts: every response against every contact).
left join contacts as contacts_by_id
    on responses.external_reference = contacts_by_id.contact_id
left join contacts as contacts_by_short_id
    on responses.external_reference = contacts_by_short_id.contact_id_15
left join respondents
    on responses.response_id = respondents.response_id
left join crm_customers
    on coalesce(contacts_by_id.contact_id, contacts_by_short_id.contact_id) = crm_customers.contact_id
left join ticket_issues
    on responses.ticket_id = ticket_issues.ticket_id
