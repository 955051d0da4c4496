-- One row per GA4 session (device user_pseudo_id + ga_session_id): its platform, timing, what
-- happened in it (purchase, help articles, contact-us clicks), the person behind it as the
-- journey stream resolved it, and whether that person contacted service within 24 hours.
-- Incremental (macros/incremental_by_group.sql): a run re-decides only the sessions whose input
-- fingerprint (int_session_inputs) differs from the one it last decided them from.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        merge_clauses=merge_clauses_with_tombstones('anonymous_id', 'session_id'),
        post_hook="{{ keep_decided_inputs(ref('int_session_inputs'), 'session_id') }}",
    )
}}

with

-- The session's person, window, contacts within 24 hours and whether that window has closed.
inputs as (
    select * from {{ ref('int_session_inputs') }}
)
{{- redecided_groups_ctes(
    'inputs', 'session_id', 'session_id', 'session_id', ['input_fingerprint'],
    stored=decided_inputs(ref('int_session_inputs'), 'session_id')) }},

events as (
    select * from {{ ref('stg_digital__events') }}
    where
        ga_session_id is not null
        {%- if is_incremental() %}
            -- only the re-decided sessions' events: the aggregation below is the model's cost
            and session_key in (select redecided_groups.row_group from redecided_groups)
        {%- endif %}
),

sessions as (
    select
        session_key as session_id,
        any_value(user_pseudo_id) as anonymous_id,
        any_value(ga_session_id) as ga_session_id,
        {{ arg_min('channel', '(event_at, event_id)') }} as platform,
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
)

select
    inputs.session_id,
    inputs.customer_id,
    sessions.anonymous_id,
    sessions.platform,
    inputs.started_at,
    {{ utc_to_local_date('inputs.started_at') }} as started_on,
    sessions.has_purchase,
    sessions.help_article_views > 0 as is_service_seeking,
    inputs.contacts_within_24h > 0 as has_contact_within_24h,
    sessions.events,
    sessions.ga_session_id,
    inputs.ended_at,
    {{ date_diff('second', 'inputs.started_at', 'inputs.ended_at') }} as duration_seconds,
    sessions.page_views,
    sessions.help_article_views,
    inputs.customer_id is not null as is_identified,
    sessions.is_logged_in,
    sessions.has_add_to_cart,
    sessions.has_begin_checkout,
    sessions.has_contact_us_click,
    inputs.order_id,
    inputs.contacts_within_24h,
    inputs.is_contact_window_complete,
    sessions.traffic_source,
    sessions.traffic_medium,
    sessions.device_category
-- in an incremental build `sessions` holds the re-decided sessions only
from inputs
inner join sessions
    on inputs.session_id = sessions.session_id
{{ tombstones('session_id', 25) }}
