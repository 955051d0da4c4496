-- Latest version of each loyalty programme member.
with

latest as (
    {{ latest_version(source('loyalty', 'members'), key='member_id', updated_at=to_utc('updated_at')) }}
)

select
    cast(member_id as {{ dbt.type_string() }}) as member_id,
    nullif(trim(cast(first_name as {{ dbt.type_string() }})), '') as first_name,
    nullif(trim(cast(last_name as {{ dbt.type_string() }})), '') as last_name,
    nullif(trim(cast(email as {{ dbt.type_string() }})), '') as email,
    nullif(trim(cast(phone as {{ dbt.type_string() }})), '') as phone,
    nullif(cast(tier as {{ dbt.type_string() }}), '') as tier,
    cast(points_balance as bigint) as points_balance,
    {{ to_utc('enrolled_at') }} as enrolled_at,
    {{ to_utc('updated_at') }} as updated_at,
    _source_file,
    _delivery_date
from latest
