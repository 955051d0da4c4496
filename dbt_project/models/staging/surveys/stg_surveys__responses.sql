-- Latest version of each Qualtrics response, typed, with times in UTC and answers in domain.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='response_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('surveys', 'responses')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('surveys', 'responses'), ['ResponseId']) }}
),

latest as (
    {{ latest_version('changed_versions', key='ResponseId') }}
),

typed as (
    select
        cast(ResponseId as {{ dbt.type_string() }}) as response_id,
        {{ local_to_utc('StartDate') }} as started_at,
        {{ local_to_utc('EndDate') }} as ended_at,
        {{ local_to_utc('RecordedDate') }} as recorded_at,
        cast(Status as {{ dbt.type_string() }}) as response_status,
        try_cast(Progress as integer) as progress_percent,
        try_cast({{ vendor_column('Duration (in seconds)') }} as integer) as duration_seconds,
        lower(cast(Finished as {{ dbt.type_string() }})) = 'true' as is_finished,
        nullif(trim(cast(RecipientEmail as {{ dbt.type_string() }})), '') as recipient_email,
        nullif(trim(cast(ExternalReference as {{ dbt.type_string() }})), '') as external_reference,
        cast(DistributionChannel as {{ dbt.type_string() }}) as distribution_channel,
        cast(UserLanguage as {{ dbt.type_string() }}) as user_language,
        try_cast(Q1 as integer) as q1_answer,
        try_cast(Q2 as integer) as q2_answer,
        try_cast(Q3 as integer) as q3_answer,
        nullif(cast(Q4 as {{ dbt.type_string() }}), '') as comment,
        cast(trigger as {{ dbt.type_string() }}) as survey_trigger,
        nullif(cast(ticket_id as {{ dbt.type_string() }}), '') as ticket_id,
        nullif(cast(order_id as {{ dbt.type_string() }}), '') as order_id,
        _source_file,
        _delivery_date,
        _loaded_at
    from latest
)

select
    response_id,
    started_at,
    ended_at,
    recorded_at,
    response_status,
    progress_percent,
    duration_seconds,
    is_finished,
    response_status = 'Survey Preview' as is_preview,
    response_status = 'IP Address' and is_finished as is_valid_response,
    recipient_email,
    external_reference,
    distribution_channel,
    user_language,
    -- Out-of-domain answers (e.g. NPS 11) are flagged by the raw quality suite and not scored.
    case when q1_answer between 0 and 10 then q1_answer end as nps_score,
    case when q2_answer between 1 and 5 then q2_answer end as csat_score,
    case when q3_answer between 1 and 7 then q3_answer end as ces_score,
    comment,
    survey_trigger,
    ticket_id,
    order_id,
    _source_file,
    _delivery_date,
    _loaded_at
from typed
