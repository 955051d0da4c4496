-- One row per sales channel / platform (web, ios_app, android_app, store) and business-local
-- month: sessions and their conversion (the contract's conversion_rate: sessions with a
-- purchase over sessions), non-cancelled orders, net revenue and average order value, service
-- contacts about the channel's orders per 100 of its orders (contacts_per_100_orders: the
-- contract's "contact rate" of a channel; not the contact_rate metric, which counts inbound
-- contacts of any kind), and the CSAT of answers about its orders (survey and Zendesk, as the
-- contract's csat).
with

sessions as (
    select
        platform as channel,
        {{ month_start('started_on') }} as month,
        count(*) as sessions,
        cast(count_if(has_purchase) as bigint) as converted_sessions,
        cast(count_if(has_contact_within_24h) as bigint) as sessions_with_contact_within_24h
    from {{ ref('fct_session') }}
    where platform is not null
    group by channel, month
),

-- An order of no known channel (a marketplace such as Amazon: fct_order.channel is null) has no
-- row here; leaving it out of `orders` keeps its contacts and answers out too, where they made
-- rows with a null channel (seen at 1M customers: 303 such orders).
orders as (
    select * from {{ ref('fct_order') }}
    where not is_cancelled and channel is not null
),

order_totals as (
    select
        channel,
        {{ month_start('ordered_on') }} as month,
        count(*) as orders,
        sum(net_revenue) as net_revenue
    from orders
    where channel is not null
    group by channel, month
),

-- Contacts naming an order, by the month they started, for the order's channel.
contacts as (
    select
        orders.channel,
        {{ month_start('contacts.started_on') }} as month,
        count(*) as service_contacts
    from {{ ref('fct_contact') }} as contacts
    inner join orders
        on contacts.order_id = orders.order_id
    group by orders.channel, month
),

satisfaction as (
    select
        orders.channel,
        {{ month_start('answers.answered_on') }} as month,
        count(*) as csat_responses,
        cast(count_if(answers.is_satisfied) as bigint) as csat_satisfied
    from {{ ref('fct_satisfaction_answer') }} as answers
    inner join orders
        on answers.order_id = orders.order_id
    group by orders.channel, month
),

grid as (
    select
        channel,
        month
    from sessions
    union
    select
        channel,
        month
    from order_totals
    union
    select
        channel,
        month
    from contacts
    union
    select
        channel,
        month
    from satisfaction
)

select
    grid.channel,
    cast(grid.month as date) as month,
    sessions.sessions,
    sessions.converted_sessions,
    sessions.converted_sessions / sessions.sessions as conversion_rate,
    sessions.sessions_with_contact_within_24h,
    coalesce(order_totals.orders, 0) as orders,
    coalesce(order_totals.net_revenue, 0) as net_revenue,
    order_totals.net_revenue / order_totals.orders as average_order_value,
    coalesce(contacts.service_contacts, 0) as service_contacts,
    cast(100 as double) * coalesce(contacts.service_contacts, 0) / order_totals.orders as contacts_per_100_orders,
    coalesce(satisfaction.csat_responses, 0) as csat_responses,
    coalesce(satisfaction.csat_satisfied, 0) as csat_satisfied,
    satisfaction.csat_satisfied / satisfaction.csat_responses as csat
from grid
left join sessions
    on grid.channel = sessions.channel and grid.month = sessions.month
left join order_totals
    on grid.channel = order_totals.channel and grid.month = order_totals.month
left join contacts
    on grid.channel = contacts.channel and grid.month = contacts.month
left join satisfaction
    on grid.channel = satisfaction.channel and grid.month = satisfaction.month
