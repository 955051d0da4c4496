-- One row per service issue and operational driver: the bucket the issue falls in for that
-- driver (handoffs, transfers, hold time, auth repeats, first-contact resolution, refund cycle
-- time, first channel, and - for each customer's first resolved issue only - first service
-- experience). Issues without a value for a driver (unresolved for FCR, no refund for refund
-- cycle time) have no row for it. The baseline is the bucket every other bucket is compared
-- with: the best operational state, or, for the channel, the busiest one. outcome_at is when the
-- customer saw the issue's outcome (its resolution; for refund cycle time, the refund's
-- completion): later repeat purchases count from there.
{% set drivers = [
    {'driver': 'handoffs', 'bucket': count_bucket('n_handoffs'), 'buckets': ['0', '1', '2+'],
     'baseline': '0', 'descriptions': {'0': 'issues with no handoff', '1': 'issues with 1 handoff',
     '2+': 'issues with 2+ handoffs'}},
    {'driver': 'transfers', 'bucket': count_bucket('n_transfers'), 'buckets': ['0', '1', '2+'],
     'baseline': '0', 'descriptions': {'0': 'issues with no transfer', '1': 'issues with 1 transfer',
     '2+': 'issues with 2+ transfers'}},
    {'driver': 'hold_time', 'bucket': hold_time_bucket('hold_seconds'),
     'buckets': ['0', '1-120', '121-600', '600+'], 'baseline': '0',
     'descriptions': {'0': 'issues without hold time', '1-120': 'issues with 1-120 s on hold',
     '121-600': 'issues with 121-600 s on hold', '600+': 'issues with over 600 s on hold'}},
    {'driver': 'auth_repeats', 'bucket': count_bucket('auth_repeats'), 'buckets': ['0', '1', '2+'],
     'baseline': '0', 'descriptions': {'0': 'issues with no repeated identity check',
     '1': 'issues with 1 repeated identity check', '2+': 'issues with 2+ repeated identity checks'}},
    {'driver': 'first_contact_resolution', 'bucket': yes_no('is_first_contact_resolution'),
     'buckets': ['yes', 'no'], 'baseline': 'yes',
     'descriptions': {'yes': 'issues resolved at first contact',
     'no': 'issues not resolved at first contact'}},
    {'driver': 'refund_cycle_time', 'bucket': refund_cycle_bucket('refund_cycle_hours'),
     'buckets': ['<=24h', '24-72h', '>72h'], 'baseline': '<=24h',
     'descriptions': {'<=24h': 'issues refunded within 24 h', '24-72h': 'issues refunded in 24-72 h',
     '>72h': 'issues refunded after more than 72 h'}},
    {'driver': 'channel', 'bucket': 'first_channel', 'buckets': []},
] -%}

with

issues as (
    select * from {{ ref('fct_service_issue') }}
),

refunds as (
    select
        refund_id,
        completed_at
    from {{ ref('int_refunds_timed') }}
),

-- Each customer's first resolved issue: the service experience that sets their expectations.
first_resolved_issues as (
    select
        issue_id,
        customer_id,
        opened_at,
        resolved_at,
        resolved_at as outcome_at,
        'first_service_experience' as driver,
        {{ yes_no('is_first_contact_resolution') }} as bucket
    from issues
    where customer_id is not null and resolved_at is not null
    qualify row_number() over (partition by customer_id order by resolved_at, issue_id) = 1
),

assigned as (
    {%- for d in drivers %}
        select
            issues.issue_id,
            issues.customer_id,
            issues.opened_at,
            issues.resolved_at,
            {%- if d.driver == 'refund_cycle_time' %}
                refunds.completed_at as outcome_at,
            {%- else %}
                issues.resolved_at as outcome_at,
            {%- endif %}
            '{{ d.driver }}' as driver,
            {{ d.bucket }} as bucket
        from
            issues
        {%- if d.driver == 'refund_cycle_time' %}
        left join refunds
            on issues.refund_id = refunds.refund_id
        {%- endif %}
        union all
    {%- endfor %}
    select * from first_resolved_issues
),

-- The channel comparison's reference is the channel that carries the most issues.
busiest_channel as (
    select {{ arg_max('first_channel', 'n_issues') }} as channel
    from (
        select
            first_channel,
            count(*) as n_issues
        from issues
        where first_channel is not null
        group by first_channel
    ) as channel_issue_counts
),

bucket_catalogue (driver, bucket, bucket_order, is_baseline, bucket_description) as (
    values
    {%- for d in drivers %}
        {%- set outer_loop = loop %}
        {%- for b in d.buckets %}
            ('{{ d.driver }}', '{{ b }}', {{ loop.index }}, {{ 'true' if b == d.baseline else 'false' }}, '{{ d.descriptions[b] }}'){{ ',' }}
        {%- endfor %}
    {%- endfor %}
    ('first_service_experience', 'yes', 1, true, 'customers whose first resolved issue was resolved at first contact'),
    ('first_service_experience', 'no', 2, false, 'customers whose first resolved issue was not resolved at first contact')
),

channel_catalogue as (
    select
        'channel' as driver,
        channels.bucket,
        cast(row_number() over (order by channels.bucket = busiest_channel.channel desc, channels.bucket) as bigint)
            as bucket_order,
        channels.bucket = busiest_channel.channel as is_baseline,
        'issues first raised by ' || channels.bucket as bucket_description
    from (
        select distinct bucket from assigned
        where driver = 'channel' and bucket is not null
    ) as channels
    cross join busiest_channel
),

catalogue as (
    select * from bucket_catalogue
    union all
    select * from channel_catalogue
)

select
    assigned.issue_id,
    assigned.customer_id,
    assigned.opened_at,
    assigned.resolved_at,
    assigned.outcome_at,
    assigned.driver,
    assigned.bucket,
    catalogue.bucket_order,
    catalogue.is_baseline,
    catalogue.bucket_description
from assigned
inner join catalogue
    on assigned.driver = catalogue.driver and assigned.bucket = catalogue.bucket
