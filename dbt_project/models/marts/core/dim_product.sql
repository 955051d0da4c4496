-- One row per Shopify product (latest version), with its launch (first publication) date.
select
    product_id,
    title,
    product_type,
    vendor,
    product_status,
    created_at,
    published_at as launched_at,
    {{ utc_to_local_date('published_at') }} as launched_on,
    variant_count
from {{ ref('stg_shop__products') }}
