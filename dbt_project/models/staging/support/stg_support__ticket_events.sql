-- Latest version of each Zendesk ticket audit (by delivery, then position), child events kept.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='ticket_event_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('support', 'ticket_events')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('support', 'ticket_events'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id') }}
)

select
    cast(id as {{ dbt.type_string() }}) as ticket_event_id,
    cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
    {{ to_utc('created_at') }} as created_at,
    -- Automations update as user -1, which is no user.
    cast(nullif(updater_id, -1) as {{ dbt.type_string() }}) as updater_id,
    coalesce(updater_id = -1 or via = 'rule', false) as is_automated,
    via,
    {{ zendesk_channel('via') }} as channel,
    event_type,
    child_events,
    {{ array_size('child_events') }} as child_event_count,
    _source_file,
    _delivery_date,
    _loaded_at
from latest
