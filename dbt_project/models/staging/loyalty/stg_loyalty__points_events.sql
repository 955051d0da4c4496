-- One row per loyalty points event (the latest delivery of each), named as a journey activity.
with

latest as (
    {{ latest_version(source('loyalty', 'points_events'), key='event_id') }}
)

select
    cast(event_id as {{ dbt.type_string() }}) as event_id,
    cast(member_id as {{ dbt.type_string() }}) as member_id,
    cast(event_type as {{ dbt.type_string() }}) as event_type,
    case cast(event_type as {{ dbt.type_string() }})
        when 'earned' then 'earned_points'
        when 'redeemed' then 'redeemed_points'
        when 'expired' then 'expired_points'
    end as activity,
    cast(points as bigint) as points,
    cast(channel as {{ dbt.type_string() }}) as channel,
    nullif(trim(cast(order_reference as {{ dbt.type_string() }})), '') as order_reference,
    {{ to_utc('occurred_at') }} as occurred_at,
    _source_file,
    _delivery_date
from latest
