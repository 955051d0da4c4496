-- One row per monthly first-order cohort and month since the first order: the cohort's size,
-- how many of its customers ordered in that month, and the retention rate (the contract's
-- retention_rate: share of a first-order cohort with an order in month k after the first).
-- Months are business-local calendar months of the non-cancelled orders of resolved customers.
with

orders as (
    select
        customer_id,
        order_sequence_number,
        {{ month_start('ordered_on') }} as order_month
    from {{ ref('fct_order') }}
    where not is_cancelled and customer_id is not null
),

-- The data's span, from every order (anonymous ones included).
data_months as (
    select
        min({{ month_start('ordered_on') }}) as first_data_month,
        max({{ month_start('ordered_on') }}) as last_data_month,
        max(ordered_on) as last_order_on
    from {{ ref('fct_order') }}
),

cohorts as (
    select
        customer_id,
        order_month as cohort_month
    from orders
    where order_sequence_number = 1
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month
),

-- Every cohort gets a row for every month from its first to the last month of the data.
grid as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        months.months_since_first_order
    from cohort_sizes
    cross join data_months
    {{ join_integers_up_to(
        date_diff('month', 'cohort_sizes.cohort_month', 'data_months.last_data_month'),
        'months', 'months_since_first_order'
    ) }}
),

activity as (
    select
        cohorts.cohort_month,
        {{ date_diff('month', 'cohorts.cohort_month', 'orders.order_month') }} as months_since_first_order,
        count(distinct orders.customer_id) as retained_customers
    from cohorts
    inner join orders
        on cohorts.customer_id = orders.customer_id
    group by cohorts.cohort_month, months_since_first_order
)

select
    grid.cohort_month,
    grid.months_since_first_order,
    cast({{ plus_interval('grid.cohort_month', 'grid.months_since_first_order', 'month') }} as date) as activity_month,
    grid.cohort_size,
    coalesce(activity.retained_customers, 0) as retained_customers,
    coalesce(activity.retained_customers, 0) / grid.cohort_size as retention_rate,
    -- The data's last month is partial: its retention is provisional.
    {{ plus_interval('grid.cohort_month', 'grid.months_since_first_order', 'month') }} < data_months.last_data_month
    or data_months.last_order_on = last_day(data_months.last_data_month) as is_complete_month,
    -- Customers who bought before the data begins look new in its first month.
    grid.cohort_month = data_months.first_data_month as is_left_censored
from grid
cross join data_months
left join activity
    on
        grid.cohort_month = activity.cohort_month
        and grid.months_since_first_order = activity.months_since_first_order
