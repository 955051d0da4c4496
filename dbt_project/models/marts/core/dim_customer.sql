-- One row per resolved person. Survivorship: each attribute comes from the most trusted system
-- holding it (customer-entered accounts before staff-typed and derived records), and within a
-- system from the most recently seen record; first and last name come from one record together.
-- The latest explicit e-mail marketing signal (Shopify consent state, Salesforce opt-out,
-- Klaviyo unsubscribe or spam complaint) decides consent. Lifetime orders and net revenue
-- count non-cancelled orders (the `orders`/`net_revenue` metrics' rule); CLV and P(alive) come
-- from the Python CLV step; the segment rule is DECISIONLOG's (value tiers and recency).
with

resolved as (
    select * from {{ ref('int_identity_records_resolved') }}
),

records as (
    select
        resolved.customer_id,
        resolved.source_system,
        resolved.source_record_id,
        resolved.match_probability,
        resolved.phone_e164,
        resolved.postal_code5,
        identity_records.first_name,
        identity_records.last_name,
        nullif(lower(trim(identity_records.email)), '') as email,
        identity_records.observed_at,
        coalesce(identity_records.last_observed_at, identity_records.observed_at) as last_observed_at,
        -- 1 = most trusted: accounts the customer keeps (Shopify, Stripe) before staff-typed CRM
        -- contacts (the most typos), help-desk users and records that only echo an address.
        case resolved.source_system
            when 'shop' then 1
            when 'billing' then 2
            when 'crm' then 3
            when 'support' then 4
            when 'marketing' then 5
            when 'surveys' then 6
            when 'contact_center' then 7
            else 8
        end as trust_rank
    from resolved
    inner join {{ ref('int_identity_records') }} as identity_records
        on
            resolved.source_system = identity_records.source_system
            and resolved.source_entity = identity_records.source_entity
            and resolved.source_record_id = identity_records.source_record_id
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by trust_rank asc, last_observed_at desc nulls last, source_record_id asc
        ) as survivor_rank
    from records
),

survivors as (
    select
        customer_id,
        {{ arg_min('first_name', 'survivor_rank') }} filter (where first_name is not null and last_name is not null)
            as first_name,
        {{ arg_min('last_name', 'survivor_rank') }} filter (where first_name is not null and last_name is not null)
            as last_name,
        {{ arg_min('email', 'survivor_rank') }} filter (where email is not null) as primary_email,
        {{ arg_min('phone_e164', 'survivor_rank') }} filter (where phone_e164 is not null) as primary_phone,
        {{ arg_min('postal_code5', 'survivor_rank') }} filter (where postal_code5 is not null)
            as primary_postal_code,
        min(observed_at) as first_seen_at,
        max(last_observed_at) as last_seen_at,
        count(*) as n_source_records,
        count(distinct source_system) as n_source_systems,
        {{ distinct_string_agg('source_system', ',') }} as source_systems,
        min(match_probability) as min_match_probability
    from ranked
    group by customer_id
),

shop_owners as (
    {{ resolved_customers_of('shop', 'customers', 'shop_customer_id') }}
),

crm_owners as (
    {{ resolved_customers_of('crm', 'contacts', 'contact_id') }}
),

profile_owners as (
    {{ resolved_customers_of('marketing', 'email_events', 'profile_id') }}
),

consent_signals as (
    select
        shop_owners.customer_id,
        shop.is_email_marketing_subscribed as consent,
        coalesce(shop.email_marketing_consent_updated_at, shop.updated_at) as signalled_at,
        'shop' as signal_source
    from {{ ref('stg_shop__customers') }} as shop
    inner join shop_owners
        on shop.customer_id = shop_owners.shop_customer_id
    where shop.is_email_marketing_subscribed is not null
    union all
    select
        crm_owners.customer_id,
        false as consent,
        crm.updated_at as signalled_at,
        'crm' as signal_source
    from {{ ref('stg_crm__contacts') }} as crm
    inner join crm_owners
        on crm.contact_id = crm_owners.contact_id
    where crm.has_opted_out_of_email
    union all
    select
        profile_owners.customer_id,
        false as consent,
        email_events.event_at as signalled_at,
        'marketing' as signal_source
    from {{ ref('stg_marketing__email_events') }} as email_events
    inner join profile_owners
        on email_events.profile_id = profile_owners.profile_id
    where email_events.event_type in ('unsubscribed', 'marked_spam')
),

-- On a tie an opt-out (false) wins.
consent as (
    select
        customer_id,
        consent as email_marketing_consent,
        signal_source as email_consent_source,
        signalled_at as email_consent_updated_at
    from consent_signals
    qualify row_number() over (
        partition by customer_id
        order by signalled_at desc nulls last, consent asc, signal_source asc
    ) = 1
),

-- Non-cancelled orders of each customer (fct_order.net_revenue is already net of refunds).
orders as (
    select
        customer_id,
        count(*) as lifetime_orders,
        sum(net_revenue) as lifetime_net_revenue,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        max(ordered_on) as last_order_on
    from {{ ref('fct_order') }}
    where not is_cancelled and customer_id is not null
    group by customer_id
),

latest_nps as (
    select
        customer_id,
        nps_score as latest_nps_score,
        responded_at as latest_nps_responded_at
    from {{ ref('fct_survey_response') }}
    where customer_id is not null and nps_score is not null
    qualify row_number() over (
        partition by customer_id order by responded_at desc, response_id desc
    ) = 1
),

-- Buyers ranked by value: predicted 12-month CLV, lifetime net revenue where the CLV model was
-- not fitted (all CLVs null then, so net revenue alone orders them).
buyers as (
    select
        orders.*,
        clv.p_alive,
        clv.predicted_clv_12m,
        {{ date_diff('day', 'orders.last_order_on', 'clv.as_of_date') }} as days_since_last_order,
        percent_rank() over (
            order by clv.predicted_clv_12m asc nulls first, orders.lifetime_net_revenue asc
        ) as value_percent_rank
    from orders
    left join {{ source('clv', 'customer_predictions') }} as clv
        on orders.customer_id = clv.customer_id
)

select
    survivors.customer_id,
    survivors.first_name,
    survivors.last_name,
    survivors.first_name || ' ' || survivors.last_name as full_name,
    survivors.primary_email,
    survivors.primary_phone,
    survivors.primary_postal_code,
    consent.email_marketing_consent,
    consent.email_consent_source,
    consent.email_consent_updated_at,
    survivors.first_seen_at,
    {{ utc_to_local_date('survivors.first_seen_at') }} as first_seen_on,
    survivors.last_seen_at,
    survivors.n_source_records,
    survivors.n_source_systems,
    survivors.source_systems,
    survivors.min_match_probability,
    coalesce(buyers.lifetime_orders, 0) as lifetime_orders,
    coalesce(buyers.lifetime_net_revenue, 0)::decimal(18, 2) as lifetime_net_revenue,
    buyers.first_order_at,
    buyers.last_order_at,
    buyers.days_since_last_order,
    latest_nps.latest_nps_score,
    latest_nps.latest_nps_responded_at,
    case
        when buyers.customer_id is null then 'prospect'
        when buyers.days_since_last_order > {{ var('segment_lapsed_after_days') }} then 'lapsed'
        when buyers.days_since_last_order > {{ var('segment_at_risk_after_days') }} then 'at_risk'
        when buyers.lifetime_orders = 1 then 'new'
        when buyers.value_percent_rank >= 1 - {{ var('segment_champion_share') }} then 'champion'
        else 'loyal'
    end as segment,
    buyers.predicted_clv_12m::decimal(18, 2) as predicted_clv_12m,
    buyers.p_alive
from survivors
left join consent
    on survivors.customer_id = consent.customer_id
left join buyers
    on survivors.customer_id = buyers.customer_id
left join latest_nps
    on survivors.customer_id = latest_nps.customer_id
