-- One row per Shopify order with the customer it belongs to: the resolved customer of its Shopify
-- customer (`customer.id`); for a guest checkout (or an unknown customer id), the customer whose
-- identity records carry the order's e-mail, else its phone (keys normalised as the identity
-- package does: e-mail lower-case without whitespace or +tag, Gmail without dots; phone as North
-- American E.164), else the resolved Stripe customer who paid it (its first charge).
with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

shop_customers as (
    {{ resolved_customers_of('shop', 'customers', 'shop_customer_id') }}
),

-- Contact keys of every resolved record. A key held by several customers (a household's shared
-- e-mail) goes to the customer of its earliest-seen record, Shopify accounts first.
record_keys as (
    select
        resolved.customer_id,
        resolved.email_key,
        resolved.phone_e164,
        resolved.source_system = 'shop' as is_shop_account,
        records.observed_at
    from {{ ref('int_identity_records_resolved') }} as resolved
    left join {{ ref('int_identity_records') }} as records
        on
            resolved.source_system = records.source_system
            and resolved.source_entity = records.source_entity
            and resolved.source_record_id = records.source_record_id
),

email_owners as (
    select
        email_key,
        {{ arg_min('customer_id', '(not is_shop_account, observed_at, customer_id)') }} as customer_id
    from record_keys
    where email_key is not null
    group by email_key
),

phone_owners as (
    select
        phone_e164,
        {{ arg_min('customer_id', '(not is_shop_account, observed_at, customer_id)') }} as customer_id
    from record_keys
    where phone_e164 is not null
    group by phone_e164
),

billing_customers as (
    {{ resolved_customers_of('billing', 'customers', 'billing_customer_id') }}
),

-- The Stripe customer of the order's first charge (charge metadata.order_id), resolved.
payers as (
    select
        charges.order_id,
        {{ arg_min('billing_customers.customer_id', '(charges.created_at, charges.charge_id)') }} as customer_id
    from {{ ref('stg_billing__charges') }} as charges
    inner join billing_customers
        on charges.customer_id = billing_customers.billing_customer_id
    where charges.order_id is not null
    group by charges.order_id
),

guest_emails as (
    select
        order_id,
        lower({{ regexp_replace_all('coalesce(email, customer_email)', '\\s+', '') }}) as email_clean,
        {{ regexp_replace_all("coalesce(phone, '')", '[\\s().+-]', '') }} as phone_digits
    from orders
),

guest_keys as (
    select
        order_id,
        split_part(regexp_extract(email_clean, '^(.*)@[^@]*$', 1), '+', 1) as email_local,
        regexp_extract(email_clean, '@([^@]*)$', 1) as email_domain,
        case
            when {{ regexp_full_match('phone_digits', '1[2-9][0-9]{9}') }} then '+' || phone_digits
            when {{ regexp_full_match('phone_digits', '[2-9][0-9]{9}') }} then '+1' || phone_digits
        end as phone_e164
    from guest_emails
),

guest_normalised as (
    select
        order_id,
        phone_e164,
        case
            when email_local <> '' and email_domain like '%.%'
                then
                    case
                        when email_domain in ('gmail.com', 'googlemail.com')
                            then replace(email_local, '.', '') || '@gmail.com'
                        else email_local || '@' || email_domain
                    end
        end as email_key
    from guest_keys
)

select
    orders.order_id,
    coalesce(
        shop_customers.customer_id, email_owners.customer_id, phone_owners.customer_id,
        payers.customer_id
    ) as customer_id,
    case
        when shop_customers.customer_id is not null then 'shop_customer'
        when email_owners.customer_id is not null then 'guest_email'
        when phone_owners.customer_id is not null then 'guest_phone'
        when payers.customer_id is not null then 'payer'
    end as customer_match,
    orders.customer_id is null as is_guest_checkout,
    orders.customer_id as shop_customer_id
from orders
left join shop_customers
    on orders.customer_id = shop_customers.shop_customer_id
left join guest_normalised
    on orders.order_id = guest_normalised.order_id
left join email_owners
    on guest_normalised.email_key = email_owners.email_key
left join phone_owners
    on guest_normalised.phone_e164 = phone_owners.phone_e164
left join payers
    on orders.order_id = payers.order_id
