-- Latest version of each Zendesk user (by updated_at, then delivery). Agents and admins are kept
-- and flagged: only end-users are customers.
with

latest as (
    {{ latest_version(source('support', 'users'), key='id', updated_at=to_utc('updated_at')) }}
)

select
    cast(id as {{ dbt.type_string() }}) as user_id,
    nullif(trim(name), '') as full_name,
    nullif(trim(email), '') as email,
    nullif(trim(phone), '') as phone,
    role as user_role,
    -- Only end-users are customers; null (not a customer either) for a role outside the domain.
    case
        when role = 'end-user' then true
        when role in ('agent', 'admin') then false
    end as is_end_user,
    nullif(trim(external_id), '') as crm_contact_id,
    {{ to_utc('created_at') }} as created_at,
    {{ to_utc('updated_at') }} as updated_at,
    nullif(time_zone, '') as time_zone,
    _source_file,
    _delivery_date
from latest
