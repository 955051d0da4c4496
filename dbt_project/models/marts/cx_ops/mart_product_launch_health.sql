-- One row per product and week since its launch (products.published_at; week 0 = its first
-- seven days): units sold and line revenue of non-cancelled orders, orders with the product,
-- service contacts about it (fct_product_contact, the single definition of
-- which products a contact counts for), contacts per 100 orders (the contract's contact_rate by
-- product) and the CSAT of answers about it (survey and Zendesk combined, as csat).
with

products as (
    select
        product_id,
        title,
        product_type,
        published_at
    from {{ ref('stg_shop__products') }}
    where published_at is not null
),

orders as (
    select
        order_id,
        ordered_at
    from {{ ref('fct_order') }}
    where not is_cancelled
),

lines as (
    select
        order_lines.product_id,
        order_lines.order_id,
        order_lines.quantity,
        order_lines.line_amount,
        orders.ordered_at as happened_at
    from {{ ref('stg_shop__order_lines') }} as order_lines
    inner join orders
        on order_lines.order_id = orders.order_id
    where order_lines.product_id is not null
),

contacts as (
    select
        product_id,
        contact_id,
        issue_id,
        started_at as happened_at
    from {{ ref('fct_product_contact') }}
),

-- An answer is about the product when it rates a contact about it, answers the survey of an
-- issue about it, or answers the delivery survey of an order containing it.
answers as (
    select * from {{ ref('fct_satisfaction_answer') }}
),

-- Which products each answer is about: one equi-join per way, since a single OR join would run
-- as a nested loop (every answer against every product contact) at a real company's size.
answer_products as (
    select
        answers.source,
        answers.answer_id,
        contacts.product_id
    from answers
    inner join contacts
        on answers.contact_id = contacts.contact_id
    union
    select
        answers.source,
        answers.answer_id,
        contacts.product_id
    from answers
    inner join contacts
        on answers.issue_id = contacts.issue_id
    where answers.source = 'survey'
    union
    select
        answers.source,
        answers.answer_id,
        lines.product_id
    from answers
    inner join lines
        on answers.order_id = lines.order_id
    where answers.trigger = 'order_delivered'
),

-- (source, answer_id) is fct_satisfaction_answer's key: one row per answer and product.
product_answers as (
    select
        answer_products.product_id,
        answers.source,
        answers.answer_id,
        answers.is_satisfied,
        answers.answered_at as happened_at
    from answer_products
    inner join answers
        on
            answer_products.source = answers.source
            and answer_products.answer_id = answers.answer_id
),

weekly_sales as (
    select
        lines.product_id,
        {{ weeks_since('products.published_at', 'lines.happened_at') }} as weeks_since_launch,
        cast(sum(lines.quantity) as bigint) as units,
        sum(lines.line_amount) as revenue,
        count(distinct lines.order_id) as orders
    from lines
    inner join products
        on lines.product_id = products.product_id
    group by lines.product_id, weeks_since_launch
),

weekly_contacts as (
    select
        contacts.product_id,
        {{ weeks_since('products.published_at', 'contacts.happened_at') }} as weeks_since_launch,
        count(distinct contacts.contact_id) as service_contacts
    from contacts
    inner join products
        on contacts.product_id = products.product_id
    group by contacts.product_id, weeks_since_launch
),

weekly_answers as (
    select
        product_answers.product_id,
        {{ weeks_since('products.published_at', 'product_answers.happened_at') }} as weeks_since_launch,
        count(*) as csat_responses,
        cast(count_if(product_answers.is_satisfied) as bigint) as csat_satisfied
    from product_answers
    inner join products
        on product_answers.product_id = products.product_id
    group by product_answers.product_id, weeks_since_launch
),

grid as (
    select
        product_id,
        weeks_since_launch
    from weekly_sales
    union
    select
        product_id,
        weeks_since_launch
    from weekly_contacts
    union
    select
        product_id,
        weeks_since_launch
    from weekly_answers
)

select
    grid.product_id,
    products.title,
    products.product_type,
    products.published_at,
    grid.weeks_since_launch,
    cast({{ plus_interval('products.published_at', 'grid.weeks_since_launch', 'week') }} as timestamp) as week_started_at,
    coalesce(weekly_sales.units, 0) as units,
    coalesce(weekly_sales.revenue, 0) as revenue,
    coalesce(weekly_sales.orders, 0) as orders,
    coalesce(weekly_contacts.service_contacts, 0) as service_contacts,
    cast(100 as double) * coalesce(weekly_contacts.service_contacts, 0) / nullif(weekly_sales.orders, 0)
        as contacts_per_100_orders,
    coalesce(weekly_answers.csat_responses, 0) as csat_responses,
    coalesce(weekly_answers.csat_satisfied, 0) as csat_satisfied,
    weekly_answers.csat_satisfied / weekly_answers.csat_responses as csat
from grid
inner join products
    on grid.product_id = products.product_id
left join weekly_sales
    on grid.product_id = weekly_sales.product_id and grid.weeks_since_launch = weekly_sales.weeks_since_launch
left join weekly_contacts
    on
        grid.product_id = weekly_contacts.product_id
        and grid.weeks_since_launch = weekly_contacts.weeks_since_launch
left join weekly_answers
    on
        grid.product_id = weekly_answers.product_id
        and grid.weeks_since_launch = weekly_answers.weeks_since_launch
where grid.weeks_since_launch >= 0
