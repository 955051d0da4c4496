-- Latest version of each Stripe refund (by delivery, then position), cents converted to dollars.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='refund_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('billing', 'refunds')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('billing', 'refunds'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id') }}
)

select
    cast(latest.id as {{ dbt.type_string() }}) as refund_id,
    cast(latest.charge as {{ dbt.type_string() }}) as charge_id,
    nullif(trim({{ json_text('latest.metadata', 'ticket_id') }}), '') as ticket_id,
    {{ unix_seconds_to_utc('latest.created') }} as created_at,
    {{ cents_to_dollars('latest.amount') }} as amount,
    coalesce(latest.amount >= 0, false) as is_valid_amount,
    upper(latest.currency) as currency,
    latest.reason as refund_reason,
    latest.status as refund_status,
    latest.status = 'succeeded' as is_succeeded,
    latest.metadata,
    latest._source_file,
    latest._delivery_date,
    latest._loaded_at
from latest
