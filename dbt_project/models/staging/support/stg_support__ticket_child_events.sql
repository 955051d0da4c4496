-- One row per child event (Create / Change / Comment) of the latest version of each ticket audit.
with

audits as (
    {{ latest_version(source('support', 'ticket_events'), key='id') }}
),

children as (
    select
        audits.id as ticket_event_id,
        audits.ticket_id,
        audits.created_at,
        audits.updater_id,
        audits.via,
        audits._source_file,
        audits._delivery_date,
        {{ unnest_array('audits.child_events', 'child') }}
    from audits
)

select
    cast(children.child.id as {{ dbt.type_string() }}) as child_event_id,
    cast(children.ticket_event_id as {{ dbt.type_string() }}) as ticket_event_id,
    cast(children.ticket_id as {{ dbt.type_string() }}) as ticket_id,
    {{ to_utc('children.created_at') }} as created_at,
    cast(nullif(children.updater_id, -1) as {{ dbt.type_string() }}) as updater_id,
    coalesce(children.updater_id = -1 or children.via = 'rule', false) as is_automated,
    children.via,
    {{ zendesk_channel('children.via') }} as channel,
    children.child.event_type as child_event_type,
    children.child.field_name,
    children.child.value,
    children.child.previous_value,
    children.child.public as is_public,
    cast(nullif(children.child.author_id, -1) as {{ dbt.type_string() }}) as author_id,
    children._source_file,
    children._delivery_date
from children
