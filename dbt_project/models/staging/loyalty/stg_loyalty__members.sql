-- Latest version of each loyalty programme member.
with

latest as (
    {{ latest_version(source('loyalty', 'members'), key='member_id', updated_at=to_utc('updated_at')) }}
)

select
    cast(member_id as varchar) as member_id,
    nullif(trim(cast(first_name as varchar)), '') as first_name,
    nullif(trim(cast(last_name as varchar)), '') as last_name,
    nullif(trim(cast(email as varchar)), '') as email,
    nullif(trim(cast(phone as varchar)), '') as phone,
    nullif(cast(tier as varchar), '') as tier,
    cast(points_balance as bigint) as points_balance,
    {{ to_utc('enrolled_at') }} as enrolled_at,
    {{ to_utc('updated_at') }} as updated_at,
    _source_file,
    _delivery_date
from latest
