-- One row per GA4 session (device user_pseudo_id + ga_session_id): its platform, timing, what
-- happened in it (purchase, help articles, contact-us clicks), the person behind it as the
-- journey stream resolved it, and whether that person contacted service within 24 hours.
with

events as (
    select * from {{ ref('stg_digital__events') }}
    where ga_session_id is not null
),

-- The session's person comes from the journey stream (fct_touchpoint), which already resolves a
-- GA4 event to its logged-in user, else to its device's person: the latest identified activity
-- of the session decides (a mid-session login identifies the whole session).
session_people as (
    select
        session_id,
        {{ arg_max('customer_id', '(occurred_at, touchpoint_id)') }} filter (where customer_id is not null)
            as customer_id,
        {{ arg_max('order_id', '(occurred_at, touchpoint_id)') }} filter (where order_id is not null)
            as order_id
    from {{ ref('fct_touchpoint') }}
    where source_system = 'digital' and session_id is not null
    group by session_id
),

sessions as (
    select
        session_key as session_id,
        any_value(user_pseudo_id) as anonymous_id,
        any_value(ga_session_id) as ga_session_id,
        {{ arg_min('channel', '(event_at, event_id)') }} as platform,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as events,
        count(*) filter (where event_name in ('page_view', 'screen_view')) as page_views,
        count(*) filter (where event_name = 'view_help_article') as help_article_views,
        bool_or(user_id is not null) as is_logged_in,
        bool_or(event_name = 'add_to_cart') as has_add_to_cart,
        bool_or(event_name = 'begin_checkout') as has_begin_checkout,
        bool_or(event_name = 'purchase') as has_purchase,
        bool_or(event_name = 'contact_us_click') as has_contact_us_click,
        {{ arg_min('traffic_source', '(event_at, event_id)') }} as traffic_source,
        {{ arg_min('traffic_medium', '(event_at, event_id)') }} as traffic_medium,
        {{ arg_min('device_category', '(event_at, event_id)') }} as device_category
    from events
    group by session_key
),

identified as (
    select
        sessions.*,
        session_people.customer_id,
        session_people.order_id
    from sessions
    left join session_people
        on sessions.session_id = session_people.session_id
),

-- Inbound service contacts of the same person from the session's start to 24 hours after its
-- last event.
followups as (
    select
        identified.session_id,
        count(*) as contacts_within_24h
    from identified
    inner join {{ ref('fct_contact') }} as contacts
        on
            identified.customer_id = contacts.customer_id
            and identified.started_at <= contacts.started_at
            and identified.ended_at + interval {{ var('session_contact_window_hours', 24) }} hour
            >= contacts.started_at
    where contacts.is_inbound
    group by identified.session_id
),

as_of as (
    select max(event_at) as data_as_of
    from events
)

select
    identified.session_id,
    identified.customer_id,
    identified.anonymous_id,
    identified.platform,
    identified.started_at,
    {{ utc_to_local_date('identified.started_at') }} as started_on,
    identified.has_purchase,
    identified.help_article_views > 0 as is_service_seeking,
    coalesce(followups.contacts_within_24h, 0) > 0 as has_contact_within_24h,
    identified.events,
    identified.ga_session_id,
    identified.ended_at,
    {{ date_diff('second', 'identified.started_at', 'identified.ended_at') }} as duration_seconds,
    identified.page_views,
    identified.help_article_views,
    identified.customer_id is not null as is_identified,
    identified.is_logged_in,
    identified.has_add_to_cart,
    identified.has_begin_checkout,
    identified.has_contact_us_click,
    identified.order_id,
    coalesce(followups.contacts_within_24h, 0) as contacts_within_24h,
    identified.ended_at
    + interval {{ var('session_contact_window_hours', 24) }} hour <= as_of.data_as_of
        as is_contact_window_complete,
    identified.traffic_source,
    identified.traffic_medium,
    identified.device_category
from identified
cross join as_of
left join followups
    on identified.session_id = followups.session_id
