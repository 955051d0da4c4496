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
)

select
    responses.response_id,
    -- Until identity resolution lands, a respondent is known through the Salesforce Contact Id
    -- carried in ExternalReference (18-character form, or its case-sensitive 15-character form).
    contacts.contact_id as customer_id,
    responses.recorded_at as responded_at,
    {{ utc_to_local_date('responses.recorded_at') }} as responded_on,
    responses.survey_trigger as trigger,
    cast(null as varchar) as issue_id,
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
left join contacts
    on
        responses.external_reference = contacts.contact_id
        or responses.external_reference = contacts.contact_id_15
