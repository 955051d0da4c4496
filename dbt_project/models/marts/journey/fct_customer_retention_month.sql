-- One row per resolved customer and calendar month, from the (business-local) month of the
-- customer's first non-cancelled order to the last month with orders: whether the customer
-- ordered in that month. retention_rate = customers with an order in month k / cohort customers.
with

orders as (
    select
        customer_id,
        cast({{ month_start('ordered_on') }} as date) as order_month,
        net_revenue
    from {{ ref('fct_order') }}
    where not is_cancelled and customer_id is not null
),

customer_months as (
    select
        customer_id,
        order_month,
        count(*) as orders,
        sum(net_revenue) as net_revenue
    from orders
    group by customer_id, order_month
),

cohorts as (
    select
        customer_id,
        min(order_month) as cohort_month
    from customer_months
    group by customer_id
),

data_end as (
    select
        max(ordered_on) as last_order_on,
        cast({{ month_start('max(ordered_on)') }} as date) as last_month
    from {{ ref('fct_order') }}
),

months as (
    select
        cohorts.customer_id,
        cohorts.cohort_month,
        {{ unnest_months('cohorts.cohort_month', 'data_end.last_month', 'activity_month') }}
    from cohorts
    cross join data_end
)

select
    months.customer_id || ':' || {{ year_month_text('months.activity_month') }} as customer_month_id,
    months.customer_id,
    months.cohort_month,
    months.activity_month,
    {{ date_diff('month', 'months.cohort_month', 'months.activity_month') }} as months_since_first_order,
    coalesce(customer_months.orders, 0) as orders,
    cast(coalesce(customer_months.net_revenue, 0) as decimal(18, 2)) as net_revenue,
    customer_months.orders is not null as is_retained,
    -- The month is over within the data: its last day is on or before the last order's date.
    last_day(months.activity_month) <= data_end.last_order_on as is_month_complete
from months
cross join data_end
left join customer_months
    on
        months.customer_id = customer_months.customer_id
        and months.activity_month = customer_months.order_month
