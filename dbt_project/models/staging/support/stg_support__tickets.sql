-- Latest version of each Zendesk ticket (by updated_at, then delivery), times in UTC, the via
-- channel mapped to the warehouse's channel values and the custom fields pivoted into columns.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='ticket_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('support', 'tickets')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('support', 'tickets'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id', updated_at=to_utc('updated_at')) }}
),

flattened as (
    select
        cast(latest.id as {{ dbt.type_string() }}) as ticket_id,
        {{ to_utc('latest.created_at') }} as created_at,
        {{ to_utc('latest.updated_at') }} as updated_at,
        nullif(latest.type, '') as ticket_type,
        latest.subject,
        latest.status as ticket_status,
        nullif(latest.priority, '') as priority,
        cast(latest.requester_id as {{ dbt.type_string() }}) as requester_id,
        cast(latest.submitter_id as {{ dbt.type_string() }}) as submitter_id,
        cast(latest.assignee_id as {{ dbt.type_string() }}) as assignee_id,
        cast(latest.group_id as {{ dbt.type_string() }}) as group_id,
        latest.via.channel as via_channel,
        latest.tags,
        latest.satisfaction_rating.score as satisfaction_score,
        nullif(latest.satisfaction_rating.comment, '') as satisfaction_comment,
        -- Custom fields: 360001 = Shopify order id, 360002 = SKU, 360003 = contact reason.
        nullif(trim(({{ array_first(array_filter('latest.custom_fields', 'cf', 'cf.id = 360001')) }}).value), '') as order_id,
        nullif(trim(({{ array_first(array_filter('latest.custom_fields', 'cf', 'cf.id = 360002')) }}).value), '') as sku,
        nullif(trim(({{ array_first(array_filter('latest.custom_fields', 'cf', 'cf.id = 360003')) }}).value), '') as contact_reason,
        latest._source_file,
        latest._delivery_date,
        latest._loaded_at
    from latest
)

select
    ticket_id,
    created_at,
    updated_at,
    ticket_type,
    subject,
    ticket_status,
    ticket_status in ('solved', 'closed') as is_solved,
    priority,
    requester_id,
    submitter_id,
    assignee_id,
    group_id,
    via_channel,
    {{ zendesk_channel('via_channel') }} as channel,
    tags,
    satisfaction_score,
    -- CSAT: good = satisfied, bad = not; unoffered/offered (no answer) are null and excluded.
    case satisfaction_score
        when 'good' then true
        when 'bad' then false
    end as is_satisfied,
    satisfaction_comment,
    order_id,
    sku,
    contact_reason,
    _source_file,
    _delivery_date,
    _loaded_at
from flattened
