-- One row per (service contact, product) the contact is about: the single definition of which
-- products a contact counts for (contact_rate by product, product launch health). A ticket (also
-- one logged during a call and folded into it) counts for the product of the SKU in its custom
-- field 360002; without a known SKU, for every product of the order in its custom field 360001.
with

contacts as (
    select
        contact_id,
        issue_id,
        customer_id,
        started_at,
        is_inbound,
        sku,
        order_id
    from {{ ref('int_service_issues_grouped') }}
    where sku is not null or order_id is not null
),

variants as (
    select * from {{ ref('stg_shop__product_variants') }}
),

order_lines as (
    select * from {{ ref('stg_shop__order_lines') }}
),

by_sku as (
    select distinct
        contacts.contact_id,
        variants.product_id,
        'sku' as attribution_method
    from contacts
    inner join variants
        on contacts.sku = variants.sku
),

by_order as (
    select distinct
        contacts.contact_id,
        order_lines.product_id,
        'order' as attribution_method
    from contacts
    inner join order_lines
        on contacts.order_id = order_lines.order_id
    where
        order_lines.product_id is not null
        and contacts.contact_id not in (select by_sku.contact_id from by_sku)
),

attributed as (
    select * from by_sku
    union all
    select * from by_order
)

select
    attributed.contact_id || ':' || attributed.product_id as contact_product_id,
    attributed.contact_id,
    attributed.product_id,
    attributed.attribution_method,
    -- 1 / products of the contact: sums to one per contact for a fractional split.
    cast(1 as double) / count(*) over (partition by attributed.contact_id) as attribution_weight,
    contacts.issue_id,
    contacts.customer_id,
    contacts.started_at,
    {{ utc_to_local_date('contacts.started_at') }} as started_on,
    contacts.is_inbound,
    contacts.sku,
    contacts.order_id
from attributed
inner join contacts
    on attributed.contact_id = contacts.contact_id
