-- Latest version of each Shopify product (by updated_at, then delivery), typed, times in UTC.
with

latest as (
    {{ latest_version(source('shop', 'products'), key='id', updated_at=to_utc('updated_at')) }}
)

select
    cast(latest.id as {{ dbt.type_string() }}) as product_id,
    latest.title,
    nullif(trim(latest.product_type), '') as product_type,
    nullif(trim(latest.vendor), '') as vendor,
    latest.status as product_status,
    {{ to_utc('latest.created_at') }} as created_at,
    {{ to_utc('latest.updated_at') }} as updated_at,
    -- Shopify's published_at is the product's launch date.
    {{ to_utc('latest.published_at') }} as published_at,
    {{ array_size('latest.variants') }} as variant_count,
    {{ array_transform('latest.variants', 'v', 'v.sku') }} as skus,
    latest._source_file,
    latest._delivery_date
from latest
