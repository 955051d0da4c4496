-- One row per GA4 event. Events have no id: an event re-sent (in the same or a later file) is
-- recognised by its key (user_pseudo_id, event_timestamp, event_name, ga_session_id) and its
-- latest delivery is kept.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='event_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('digital', 'events')) }}",
    )
}}

with

-- The session number is read from the event's parameters below, so changed keys are found on
-- the other three key columns: a superset of the changed keys, every version of each included.
source as (
    {{ versions_of_changed_keys(source('digital', 'events'), ['user_pseudo_id', 'event_timestamp', 'event_name']) }}
),

keyed as (
    select
        source.*,
        {{ ga4_param('ga_session_id', 'int', params='source.event_params') }} as ga_session_number
    from source
),

latest as (
    {{ latest_version('keyed', key='user_pseudo_id, event_timestamp, event_name, ga_session_number') }}
),

flattened as (
    select
        md5(
            concat_ws(
                '|',
                latest.user_pseudo_id,
                cast(latest.event_timestamp as {{ dbt.type_string() }}),
                latest.event_name,
                coalesce(cast(latest.ga_session_number as {{ dbt.type_string() }}), '')
            )
        ) as event_id,
        {{ unix_micros_to_utc('latest.event_timestamp') }} as reported_event_at,
        {{ try_parse_date('latest.event_date', '%Y%m%d') }} as event_on,
        latest.event_name,
        nullif(trim(latest.user_id), '') as user_id,
        latest.user_pseudo_id,
        cast(latest.ga_session_number as {{ dbt.type_string() }}) as ga_session_id,
        latest.platform,
        {{ ga4_param('page_location', params='latest.event_params') }} as page_location,
        {{ ga4_param('item_id', params='latest.event_params') }} as item_id,
        {{ ga4_param('article_id', params='latest.event_params') }} as article_id,
        latest.device.category as device_category,
        latest.device.operating_system as device_operating_system,
        latest.geo.country as geo_country,
        latest.geo.region as geo_region,
        latest.traffic_source.source as traffic_source,
        latest.traffic_source.medium as traffic_medium,
        latest.traffic_source.name as traffic_campaign,
        nullif(trim(latest.ecommerce.transaction_id), '') as transaction_id,
        latest.ecommerce.purchase_revenue as purchase_revenue_raw,
        latest.items,
        latest.event_params,
        latest._source_file,
        latest._delivery_date,
        latest._loaded_at
    from latest
),

-- An event_timestamp more than a day away from GA4's own event_date (negative ones, in some
-- exports) is out of domain: the raw quality suite flags it; here the event keeps its day, at
-- the start of that local day, and says that its time is estimated.
timed as (
    select
        *,
        coalesce(
            abs({{ date_diff('day', utc_to_local_date('reported_event_at'), 'event_on') }}) <= 1,
            true
        ) as is_event_timestamp_plausible
    from flattened
)

select
    event_id,
    case
        when is_event_timestamp_plausible then reported_event_at
        else {{ local_to_utc('event_on') }}
    end as event_at,
    not is_event_timestamp_plausible as is_event_time_estimated,
    event_on,
    event_name,
    user_id,
    user_pseudo_id,
    ga_session_id,
    -- A session is identified by the device and GA4's session number together.
    user_pseudo_id || ':' || ga_session_id as session_key,
    platform,
    case platform
        when 'WEB' then 'web'
        when 'IOS' then 'ios_app'
        when 'ANDROID' then 'android_app'
    end as channel,
    page_location,
    item_id,
    article_id,
    device_category,
    device_operating_system,
    geo_country,
    geo_region,
    traffic_source,
    traffic_medium,
    traffic_campaign,
    transaction_id,
    try_cast(purchase_revenue_raw as decimal(18, 2)) as purchase_revenue,
    purchase_revenue_raw is null or purchase_revenue_raw >= 0 as is_valid_purchase_revenue,
    items,
    event_params,
    _source_file,
    _delivery_date,
    _loaded_at
from timed
