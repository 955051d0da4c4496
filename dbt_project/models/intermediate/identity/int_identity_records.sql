-- One row per source record that identifies a person, in one layout for identity resolution.
-- Identifiers stay as delivered (the `identity` package normalises them); cross-system ids are
-- columns, so every deterministic link is data: two records sharing a value in the same id
-- namespace are the same person (shop_customer_id and order_shop_customer_id are one namespace,
-- zendesk_user_id and ticket_requester_id another).
with

crm_contacts as (
    select
        'crm' as source_system,
        'contacts' as source_entity,
        contact_id as source_record_id,
        first_name,
        last_name,
        email,
        phone,
        mobile_phone as secondary_phone,
        mailing_postal_code as postal_code,
        mailing_street as street,
        mailing_city as city,
        birth_date,
        created_at as observed_at,
        updated_at as last_observed_at,
        {{ identity_id_columns(
            shop_customer_id="shop_customer_id",
            salesforce_contact_id="contact_id"
        ) }}
    from {{ ref('stg_crm__contacts') }}
),

shop_customers as (
    select
        'shop' as source_system,
        'customers' as source_entity,
        customer_id as source_record_id,
        first_name,
        last_name,
        email,
        phone,
        address_phone as secondary_phone,
        postal_code,
        address1 as street,
        city,
        cast(null as date) as birth_date,
        created_at as observed_at,
        updated_at as last_observed_at,
        {{ identity_id_columns(shop_customer_id="customer_id") }}
    from {{ ref('stg_shop__customers') }}
),

-- A Stripe customer whose charges pay the orders of exactly one Shopify customer is that
-- customer (charge metadata.order_id -> order -> customer); several owners prove nothing.
charge_order_owners as (
    select
        charges.customer_id as stripe_customer_id,
        min(orders.customer_id) as shop_customer_id
    from {{ ref('stg_billing__charges') }} as charges
    inner join {{ ref('stg_shop__orders') }} as orders
        on charges.order_id = orders.order_id
    where charges.customer_id is not null and orders.customer_id is not null
    group by charges.customer_id
    having count(distinct orders.customer_id) = 1
),

charge_activity as (
    select
        customer_id as stripe_customer_id,
        max(created_at) as last_charged_at
    from {{ ref('stg_billing__charges') }}
    where customer_id is not null
    group by customer_id
),

billing_customers as (
    select
        'billing' as source_system,
        'customers' as source_entity,
        stripe.customer_id as source_record_id,
        -- Stripe holds one name field: first word = given name, the rest = family name.
        nullif(split_part(stripe.full_name, ' ', 1), '') as first_name,
        nullif(trim(substr(stripe.full_name, length(split_part(stripe.full_name, ' ', 1)) + 1)), '')
            as last_name,
        stripe.email,
        stripe.phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        stripe.postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        stripe.created_at as observed_at,
        coalesce(activity.last_charged_at, stripe.created_at) as last_observed_at,
        {{ identity_id_columns(
            shop_customer_id="stripe.shop_customer_id",
            order_shop_customer_id="owners.shop_customer_id",
            stripe_customer_id="stripe.customer_id"
        ) }}
    from {{ ref('stg_billing__customers') }} as stripe
    left join charge_order_owners as owners
        on stripe.customer_id = owners.stripe_customer_id
    left join charge_activity as activity
        on stripe.customer_id = activity.stripe_customer_id
),

-- Only end-users are customers; agents and admins (and unknown roles) are staff.
support_users as (
    select
        'support' as source_system,
        'users' as source_entity,
        user_id as source_record_id,
        nullif(split_part(full_name, ' ', 1), '') as first_name,
        nullif(trim(substr(full_name, length(split_part(full_name, ' ', 1)) + 1)), '') as last_name,
        email,
        phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        created_at as observed_at,
        updated_at as last_observed_at,
        {{ identity_id_columns(salesforce_contact_id="crm_contact_id", zendesk_user_id="user_id") }}
    from {{ ref('stg_support__users') }}
    where is_end_user
),

-- A Connect contact identifies a person through its endpoint (phone or chat e-mail), the
-- authenticated shop_customer_id attribute, or the requester of the Zendesk ticket it names.
contact_center_contacts as (
    select
        'contact_center' as source_system,
        'contacts' as source_entity,
        contacts.contact_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        contacts.customer_email as email,
        contacts.customer_phone as phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        contacts.initiated_at as observed_at,
        coalesce(contacts.disconnected_at, contacts.initiated_at) as last_observed_at,
        {{ identity_id_columns(
            shop_customer_id="contacts.shop_customer_id",
            ticket_requester_id="tickets.requester_id"
        ) }}
    from {{ ref('stg_contact_center__contacts') }} as contacts
    left join {{ ref('stg_support__tickets') }} as tickets
        on contacts.zendesk_ticket_id = tickets.ticket_id
    where
        coalesce(
            contacts.customer_email, contacts.customer_phone, contacts.shop_customer_id,
            tickets.requester_id
        ) is not null
),

-- The record is the device (user_pseudo_id) once someone logged in on it: its earlier anonymous
-- events belong to that person. A device that saw several logins belongs to the first one.
digital_devices as (
    select
        'digital' as source_system,
        'events' as source_entity,
        user_pseudo_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        min(event_at) as observed_at,
        max(event_at) as last_observed_at,
        {{ identity_id_columns(
            shop_customer_id=arg_min("user_id", "event_at") ~ " filter (where user_id is not null)"
        ) }}
    from {{ ref('stg_digital__events') }}
    group by user_pseudo_id
    having count(user_id) > 0
),

-- A Klaviyo profile appears only through its e-mail events: its latest e-mail identifies it.
marketing_profiles as (
    select
        'marketing' as source_system,
        'email_events' as source_entity,
        profile_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        {{ arg_max('email', 'event_at') }} filter (where email is not null) as email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        min(event_at) as observed_at,
        max(event_at) as last_observed_at,
        {{ identity_id_columns() }}
    from {{ ref('stg_marketing__email_events') }}
    where profile_id is not null
    group by profile_id
),

-- ExternalReference is a Salesforce Contact Id, 18 characters or its case-sensitive 15-character
-- prefix: resolved to the 18-character id when the contact exists. Previews are staff tests.
survey_responses as (
    select
        'surveys' as source_system,
        'responses' as source_entity,
        responses.response_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as first_name,
        cast(null as {{ dbt.type_string() }}) as last_name,
        responses.recipient_email as email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as secondary_phone,
        cast(null as {{ dbt.type_string() }}) as postal_code,
        cast(null as {{ dbt.type_string() }}) as street,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as date) as birth_date,
        responses.recorded_at as observed_at,
        responses.recorded_at as last_observed_at,
        {{ identity_id_columns(
            salesforce_contact_id="coalesce(by_id.contact_id, by_short_id.contact_id, responses.external_reference)"
        ) }}
    from {{ ref('stg_surveys__responses') }} as responses
    -- Two equi-joins rather than one OR join, which DuckDB could only run as a nested loop.
    left join {{ ref('stg_crm__contacts') }} as by_id
        on responses.external_reference = by_id.contact_id
    left join {{ ref('stg_crm__contacts') }} as by_short_id
        on responses.external_reference = by_short_id.contact_id_15
    where
        not responses.is_preview
        and coalesce(responses.recipient_email, responses.external_reference) is not null
),

unioned as (
    select * from crm_contacts
    union all
    select * from shop_customers
    union all
    select * from billing_customers
    union all
    select * from support_users
    union all
    select * from contact_center_contacts
    union all
    select * from digital_devices
    union all
    select * from marketing_profiles
    union all
    select * from survey_responses
    -- sources added by declaration (README "Adding a source")
    {{ added_identity_records() }}
)

select
    source_system,
    source_entity,
    source_record_id,
    first_name,
    last_name,
    email,
    phone,
    secondary_phone,
    postal_code,
    street,
    city,
    birth_date,
    observed_at,
    last_observed_at,
    shop_customer_id,
    order_shop_customer_id,
    salesforce_contact_id,
    stripe_customer_id,
    zendesk_user_id,
    ticket_requester_id
from unioned
