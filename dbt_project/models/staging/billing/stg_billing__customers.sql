-- Latest version of each Stripe customer (by delivery, then position); customers whose latest
-- version is a deletion record are dropped.
with

latest as (
    {{ latest_version(source('billing', 'customers'), key='id') }}
)

select
    cast(latest.id as {{ dbt.type_string() }}) as customer_id,
    nullif(trim(latest.email), '') as email,
    nullif(trim(latest.name), '') as full_name,
    nullif(trim(latest.phone), '') as phone,
    {{ unix_seconds_to_utc('latest.created') }} as created_at,
    nullif(trim(latest.address.postal_code), '') as postal_code,
    nullif(trim(latest.address.country), '') as country_code,
    nullif(trim({{ json_text('latest.metadata', 'shop_customer_id') }}), '') as shop_customer_id,
    latest.metadata,
    latest._source_file,
    latest._delivery_date
from latest
where not coalesce(latest.deleted, false)
