-- Latest version of each Klaviyo e-mail event (by delivery, then position), time in UTC.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='event_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('marketing', 'email_events')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('marketing', 'email_events'), [vendor_column('Event ID')]) }}
),

latest as (
    {{ latest_version('changed_versions', key=vendor_column('Event ID')) }}
)

select
    cast({{ vendor_column('Event ID') }} as {{ dbt.type_string() }}) as event_id,
    cast({{ vendor_column('Profile ID') }} as {{ dbt.type_string() }}) as profile_id,
    nullif(trim(Email), '') as email,
    Event as event_name,
    case Event
        when 'Received Email' then 'received'
        when 'Opened Email' then 'opened'
        when 'Clicked Email' then 'clicked'
        when 'Unsubscribed' then 'unsubscribed'
        when 'Bounced Email' then 'bounced'
        when 'Marked Email as Spam' then 'marked_spam'
    end as event_type,
    -- Local New York time without an offset (the repeated DST hour is read as its first occurrence).
    {{ local_to_utc(vendor_column('Timestamp')) }} as event_at,
    nullif(trim({{ vendor_column('Campaign ID') }}), '') as campaign_id,
    nullif(trim({{ vendor_column('Campaign Name') }}), '') as campaign_name,
    nullif(trim(Subject), '') as subject,
    _source_file,
    _delivery_date,
    _loaded_at
from latest
