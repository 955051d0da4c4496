-- Latest version of each Zendesk group (by updated_at, then delivery): the departments.
with

latest as (
    {{ latest_version(source('support', 'groups'), key='id', updated_at=to_utc('updated_at')) }}
)

select
    cast(id as {{ dbt.type_string() }}) as group_id,
    nullif(trim(name), '') as group_name,
    {{ to_utc('created_at') }} as created_at,
    {{ to_utc('updated_at') }} as updated_at,
    _source_file,
    _delivery_date
from latest
