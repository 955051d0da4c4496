-- One row per variant of the latest version of each Shopify product.
with

products as (
    {{ latest_version(source('shop', 'products'), key='id', updated_at=to_utc('updated_at')) }}
),

variants as (
    select
        products.id as product_id,
        products._source_file,
        products._delivery_date,
        {{ unnest_array('products.variants', 'variant') }}
    from products
)

select
    cast(variants.variant.id as {{ dbt.type_string() }}) as variant_id,
    cast(variants.product_id as {{ dbt.type_string() }}) as product_id,
    nullif(trim(variants.variant.sku), '') as sku,
    variants.variant.title,
    cast(variants.variant.price as decimal(18, 2)) as price,
    coalesce(variants.variant.price >= 0, false) as is_valid_price,
    variants._source_file,
    variants._delivery_date
from variants
