-- What decides each GA4 session's row in fct_session besides the content of its events: the
-- session's person as the journey stream resolved it, its start and end, that person's inbound
-- service contacts within 24 hours, and whether that window has closed by the data's end; and
-- `input_fingerprint`, one hash of all of it and of the session's events, which fct_session's
-- incremental build compares with the fingerprint it last decided the session from
-- (macros/incremental_by_group.sql, decided_inputs). Anything that changes a session's row
-- changes its fingerprint: an event late, re-delivered, changed or dropped; identity re-keying
-- the session's activities; a contact within 24 hours; the data's end passing its window.
with

events as (
    select * from {{ ref('stg_digital__events') }}
    where ga_session_id is not null
),

-- The session's person comes from the journey stream's input (int_touchpoints_unioned, whose
-- digital rows fct_touchpoint copies), which already resolves a GA4 event to its logged-in user,
-- else to its device's person: the latest identified activity of the session decides (a
-- mid-session login identifies the whole session). Read below the marts, as this layer must.
session_people as (
    select
        session_id,
        {{ arg_max('customer_id', '(occurred_at, touchpoint_id)') }} filter (where customer_id is not null)
            as customer_id,
        {{ arg_max('order_id', '(occurred_at, touchpoint_id)') }} filter (where order_id is not null)
            as order_id
    from {{ ref('int_touchpoints_unioned') }}
    where source_system = 'digital' and session_id is not null
    group by session_id
),

sessions as (
    select
        session_key as session_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        -- every column of an event that fct_session reads
        {{ group_fingerprint([
            'event_id', 'user_pseudo_id', 'ga_session_id', 'channel', 'event_at', 'event_name',
            'user_id is not null', 'traffic_source', 'traffic_medium', 'device_category']) }}
            as events_fingerprint
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
-- last event (int_service_issues_grouped: one row per contact, which fct_contact publishes).
followups as (
    select
        identified.session_id,
        count(*) as contacts_within_24h
    from identified
    inner join {{ ref('int_service_issues_grouped') }} as contacts
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
),

decided as (
    select
        identified.session_id,
        identified.customer_id,
        identified.order_id,
        identified.started_at,
        identified.ended_at,
        coalesce(followups.contacts_within_24h, 0) as contacts_within_24h,
        identified.ended_at
        + interval {{ var('session_contact_window_hours', 24) }} hour <= as_of.data_as_of
            as is_contact_window_complete,
        identified.events_fingerprint
    from identified
    cross join as_of
    left join followups
        on identified.session_id = followups.session_id
)

select
    session_id,
    customer_id,
    order_id,
    started_at,
    ended_at,
    contacts_within_24h,
    is_contact_window_complete,
    {{ row_fingerprint([
        'customer_id', 'order_id', 'started_at', 'ended_at', 'contacts_within_24h',
        'is_contact_window_complete', 'events_fingerprint']) }} as input_fingerprint
from decided
