-- One row per customer activity in every system but surveys (fct_touchpoint adds the valid
-- survey responses from fct_survey_response), each with its resolved customer, in one layout.
-- GA4 is kept lean: session starts and the meaningful events (sign-ups, logins, product views,
-- cart, checkout, purchase, help articles, contact-us clicks), not every page or screen view.
-- Every block selects the same columns in the same order: touchpoint_id, customer_id,
-- anonymous_id, occurred_at, source_system, source_entity, source_record_id, channel, activity,
-- issue_id, order_id, contact_id, session_id, revenue_impact, detail.
with

orders as (
    select
        orders.*,
        identified.customer_id as resolved_customer_id
    from {{ ref('stg_shop__orders') }} as orders
    inner join {{ ref('int_orders_identified') }} as identified
        on orders.order_id = identified.order_id
),

refunds as (
    select * from {{ ref('int_refunds_timed') }}
),

order_refunds as (
    select
        order_id,
        sum(amount) as refunded_amount
    from refunds
    where is_succeeded and is_valid_amount and order_id is not null
    group by order_id
),

issue_tickets as (
    select
        ticket_id,
        issue_id,
        contact_id
    from {{ ref('int_service_issues_grouped') }}
    where ticket_id is not null
),

-- shop: orders placed, cancelled and delivered. revenue_impact sums to the order's net revenue:
-- + total_price when placed, - refunds when refunded, and a cancellation takes back the rest.
order_events as (
    select
        order_id,
        'placed_order' as activity,
        created_at as occurred_at,
        total_price as revenue_impact,
        order_name as detail
    from orders
    union all
    select
        orders.order_id,
        'cancelled_order' as activity,
        orders.cancelled_at as occurred_at,
        -(orders.total_price - coalesce(order_refunds.refunded_amount, 0)) as revenue_impact,
        orders.cancel_reason as detail
    from orders
    left join order_refunds
        on orders.order_id = order_refunds.order_id
    where orders.is_cancelled
    union all
    select
        order_id,
        'delivered_order' as activity,
        delivered_at as occurred_at,
        null as revenue_impact,
        order_name as detail
    from orders
    where delivered_at is not null
),

order_touchpoints as (
    select
        'shop:orders:' || order_events.order_id || ':' || order_events.activity as touchpoint_id,
        orders.resolved_customer_id as customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        order_events.occurred_at,
        'shop' as source_system,
        'orders' as source_entity,
        order_events.order_id as source_record_id,
        orders.channel,
        order_events.activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        order_events.order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        order_events.revenue_impact,
        order_events.detail
    from order_events
    inner join orders
        on order_events.order_id = orders.order_id
),

-- billing: payments (succeeded or failed charges) and completed refunds.
billing_customers as (
    {{ resolved_customers_of('billing', 'customers', 'billing_customer_id') }}
),

charge_touchpoints as (
    select
        'billing:charges:' || charges.charge_id || ':' || charges.charge_status as touchpoint_id,
        coalesce(billing_customers.customer_id, orders.resolved_customer_id) as customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        charges.created_at as occurred_at,
        'billing' as source_system,
        'charges' as source_entity,
        charges.charge_id as source_record_id,
        orders.channel,
        case charges.charge_status
            when 'succeeded' then 'made_payment'
            when 'failed' then 'failed_payment'
        end as activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        charges.order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        charges.failure_code as detail
    from {{ ref('stg_billing__charges') }} as charges
    left join billing_customers
        on charges.customer_id = billing_customers.billing_customer_id
    left join orders
        on charges.order_id = orders.order_id
    where charges.charge_status in ('succeeded', 'failed')
),

refund_touchpoints as (
    select
        'billing:refunds:' || refunds.refund_id || ':received_refund' as touchpoint_id,
        coalesce(billing_customers.customer_id, orders.resolved_customer_id) as customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        refunds.created_at as occurred_at,
        'billing' as source_system,
        'refunds' as source_entity,
        refunds.refund_id as source_record_id,
        orders.channel,
        'received_refund' as activity,
        -- The issue of the support ticket that asked for the refund.
        issue_tickets.issue_id,
        refunds.order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        case when refunds.is_valid_amount then -refunds.amount end as revenue_impact,
        refunds.refund_reason as detail
    from refunds
    left join billing_customers
        on refunds.billing_customer_id = billing_customers.billing_customer_id
    left join orders
        on refunds.order_id = orders.order_id
    left join issue_tickets
        on refunds.ticket_id = issue_tickets.ticket_id
    where refunds.is_succeeded
),

-- support: tickets opened, each solve, and the CSAT answer.
tickets as (
    select * from {{ ref('int_ticket_histories_summarised') }}
),

ticket_events as (
    select
        ticket_id,
        'opened_ticket' as activity,
        '' as event_suffix,
        created_at as occurred_at,
        contact_reason as detail
    from tickets
    union all
    select
        ticket_id,
        'solved_ticket' as activity,
        ':' || child_event_id as event_suffix,
        created_at as occurred_at,
        null as detail
    from {{ ref('stg_support__ticket_child_events') }}
    where
        child_event_type = 'Change'
        and field_name = 'status'
        and (value = 'solved' or (value = 'closed' and coalesce(previous_value, '') <> 'solved'))
    union all
    select
        ticket_id,
        'rated_ticket' as activity,
        '' as event_suffix,
        rated_at as occurred_at,
        satisfaction_score as detail
    from tickets
    where rated_at is not null
),

support_touchpoints as (
    select
        'support:tickets:' || ticket_events.ticket_id || ':' || ticket_events.activity
        || ticket_events.event_suffix as touchpoint_id,
        tickets.customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        ticket_events.occurred_at,
        'support' as source_system,
        'tickets' as source_entity,
        ticket_events.ticket_id as source_record_id,
        tickets.channel,
        ticket_events.activity,
        issue_tickets.issue_id,
        tickets.order_id,
        issue_tickets.contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        ticket_events.detail
    from ticket_events
    inner join tickets
        on ticket_events.ticket_id = tickets.ticket_id
    left join issue_tickets
        on ticket_events.ticket_id = issue_tickets.ticket_id
),

-- contact_center: one touchpoint per call or chat chain.
contact_center_touchpoints as (
    select
        'contact_center:contacts:' || initial_contact_id || ':contacted' as touchpoint_id,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        started_at as occurred_at,
        'contact_center' as source_system,
        'contacts' as source_entity,
        initial_contact_id as source_record_id,
        channel,
        case channel
            when 'chat' then 'chatted_with_contact_center'
            else 'called_contact_center'
        end as activity,
        issue_id,
        order_id,
        contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        contact_reason as detail
    from {{ ref('int_service_issues_grouped') }}
    where contact_type = 'chain'
),

-- digital: a logged-in event is its user's; any other event is the device's person (a device's
-- earlier anonymous events belong to whoever later logs in on it), else anonymous.
devices as (
    {{ resolved_customers_of('digital', 'events', 'user_pseudo_id') }}
),

shop_customers as (
    {{ resolved_customers_of('shop', 'customers', 'shop_customer_id') }}
),

digital_touchpoints as (
    select
        'digital:events:' || events.event_id as touchpoint_id,
        coalesce(users.customer_id, devices.customer_id) as customer_id,
        events.user_pseudo_id as anonymous_id,
        events.event_at as occurred_at,
        'digital' as source_system,
        'events' as source_entity,
        events.event_id as source_record_id,
        events.channel,
        case events.event_name
            when 'session_start' then 'started_session'
            when 'sign_up' then 'signed_up'
            when 'login' then 'logged_in'
            when 'view_item' then 'viewed_product'
            when 'add_to_cart' then 'added_to_cart'
            when 'begin_checkout' then 'began_checkout'
            when 'purchase' then 'completed_checkout'
            when 'view_help_article' then 'viewed_help_article'
            when 'contact_us_click' then 'clicked_contact_us'
        end as activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        purchased.order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        events.session_key as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        coalesce(events.article_id, events.item_id, events.transaction_id) as detail
    from {{ ref('stg_digital__events') }} as events
    left join shop_customers as users
        on events.user_id = users.shop_customer_id
    left join devices
        on events.user_pseudo_id = devices.user_pseudo_id
    left join orders as purchased
        on events.transaction_id = purchased.order_name
    where
        events.event_name in (
            'session_start', 'sign_up', 'login', 'view_item', 'add_to_cart', 'begin_checkout',
            'purchase', 'view_help_article', 'contact_us_click'
        )
),

-- marketing: campaign e-mails received, opened, clicked, and the subscription events.
profiles as (
    {{ resolved_customers_of('marketing', 'email_events', 'profile_id') }}
),

marketing_touchpoints as (
    select
        'marketing:email_events:' || events.event_id as touchpoint_id,
        profiles.customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        events.event_at as occurred_at,
        'marketing' as source_system,
        'email_events' as source_entity,
        events.event_id as source_record_id,
        'email' as channel,
        case events.event_type
            when 'received' then 'received_email'
            when 'opened' then 'opened_email'
            when 'clicked' then 'clicked_email'
            when 'unsubscribed' then 'unsubscribed_from_email'
            when 'bounced' then 'bounced_email'
            when 'marked_spam' then 'marked_email_as_spam'
        end as activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        events.campaign_name as detail
    from {{ ref('stg_marketing__email_events') }} as events
    left join profiles
        on events.profile_id = profiles.profile_id
    where events.event_type is not null
),

-- crm: the Salesforce contact was created (by staff: no customer channel).
crm_customers as (
    {{ resolved_customers_of('crm', 'contacts', 'contact_id') }}
),

crm_touchpoints as (
    select
        'crm:contacts:' || contacts.contact_id || ':created_crm_contact' as touchpoint_id,
        crm_customers.customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        contacts.created_at as occurred_at,
        'crm' as source_system,
        'contacts' as source_entity,
        contacts.contact_id as source_record_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'created_crm_contact' as activity,
        cast(null as {{ dbt.type_string() }}) as issue_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        contacts.loyalty_tier as detail
    from {{ ref('stg_crm__contacts') }} as contacts
    left join crm_customers
        on contacts.contact_id = crm_customers.contact_id
),

unioned as (
    select * from order_touchpoints
    union all
    select * from charge_touchpoints
    union all
    select * from refund_touchpoints
    union all
    select * from support_touchpoints
    union all
    select * from contact_center_touchpoints
    union all
    select * from digital_touchpoints
    union all
    select * from marketing_touchpoints
    union all
    select * from crm_touchpoints
)

select * from unioned
where occurred_at is not null
