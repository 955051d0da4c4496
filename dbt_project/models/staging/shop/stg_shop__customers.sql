-- Latest version of each Shopify customer (by updated_at, then delivery), typed, times in UTC.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='customer_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('shop', 'customers')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('shop', 'customers'), ['id']) }}
),

latest as (
    {{ latest_version('changed_versions', key='id', updated_at=to_utc('updated_at')) }}
),

flattened as (
    select
        cast(latest.id as {{ dbt.type_string() }}) as customer_id,
        nullif(trim(latest.email), '') as email,
        nullif(trim(latest.first_name), '') as first_name,
        nullif(trim(latest.last_name), '') as last_name,
        nullif(trim(latest.phone), '') as phone,
        {{ to_utc('latest.created_at') }} as created_at,
        {{ to_utc('latest.updated_at') }} as updated_at,
        latest.state as account_state,
        latest.verified_email as is_verified_email,
        nullif(trim(latest.tags), '') as tags,
        latest.email_marketing_consent.state as email_marketing_consent_state,
        {{ to_utc('latest.email_marketing_consent.consent_updated_at') }} as email_marketing_consent_updated_at,
        nullif(trim(latest.default_address.address1), '') as address1,
        nullif(trim(latest.default_address.city), '') as city,
        nullif(trim(latest.default_address.province_code), '') as province_code,
        nullif(trim(latest.default_address.zip), '') as postal_code,
        nullif(trim(latest.default_address.country_code), '') as country_code,
        nullif(trim(latest.default_address.phone), '') as address_phone,
        latest._source_file,
        latest._delivery_date,
        latest._loaded_at
    from latest
)

select
    customer_id,
    email,
    first_name,
    last_name,
    phone,
    created_at,
    updated_at,
    account_state,
    is_verified_email,
    tags,
    email_marketing_consent_state,
    -- Marketing consent: true only for an explicit subscription; null when the state is unknown.
    case
        when email_marketing_consent_state = 'subscribed' then true
        when email_marketing_consent_state in ('unsubscribed', 'not_subscribed') then false
    end as is_email_marketing_subscribed,
    email_marketing_consent_updated_at,
    address1,
    city,
    province_code,
    postal_code,
    country_code,
    address_phone,
    _source_file,
    _delivery_date,
    _loaded_at
from flattened
