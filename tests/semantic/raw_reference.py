"""Reference values of the contract's metrics, computed straight from the raw layer.

Written from `docs/warehouse.md` and `docs/extracts.md` only: no staging, intermediate or
mart model is read, so the semantic layer's answers can be checked against an independent
computation. Each source keeps every delivered version in raw; the latest one wins (GA4 events by
their natural key). Where the contract's rule needs machinery the raw layer does not hold (identity
resolution, the issue episode rule) the reference takes a documented simplification and the test
states the tolerance it allows.
"""

from __future__ import annotations


def _latest(table: str, key: str, by_update: bool = True) -> str:
    """The latest delivered version of each record (by its update time where it has one)."""
    order = "updated_at desc, " if by_update else ""
    return f"""
        select * from raw.{table}
        qualify row_number() over (
            partition by {key} order by {order}_delivery_date desc, _row_number desc
        ) = 1"""


# Named CTEs; `_with` emits the ones a query needs, in this (dependency) order.
_CTES = {
    "responses": _latest("surveys__responses", '"ResponseId"', by_update=False),
    "tickets": _latest("support__tickets", "id"),
    "users": _latest("support__users", "id"),
    "legs": _latest("contact_center__contacts", '"ContactId"', by_update=False),
    "orders": _latest("shop__orders", "id"),
    "products": _latest("shop__products", "id"),
    "charges": _latest("billing__charges", "id", by_update=False),
    "refunds": _latest("billing__refunds", "id", by_update=False),
    # GA4 events have no id: (device, time, name, session) identifies one; the latest delivery wins.
    "events": """
        select
            user_pseudo_id,
            event_timestamp,
            event_name,
            list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value.int_value
                as session_number,
            arg_max(platform, (_delivery_date, _row_number)) as platform
        from raw.digital__events
        group by all""",
    "valid_responses": """
        select * from responses where "Status" = 'IP Address' and "Finished\"""",
    # A Connect chain: the legs sharing InitialContactId.
    "chains": """
        select
            "InitialContactId" as chain_id,
            arg_min("InitiationMethod", "InitiationTimestamp") as initiation_method,
            arg_min("CustomerEndpoint".Address, "InitiationTimestamp") as endpoint,
            min("InitiationTimestamp") as started_at,
            max("DisconnectTimestamp") as ended_at,
            arg_max("Queue" is not null and "Agent" is null, "InitiationTimestamp") as ended_in_queue,
            max("Attributes" ->> 'zendesk_ticket_id') as ticket_id
        from legs
        group by 1""",
    # A ticket an agent logged during the call naming it (created before the call's end + 15 min)
    # is that call's record, not a second contact.
    "logging_calls": """
        select tickets.id, bool_or(coalesce(chains.initiation_method, '') <> 'OUTBOUND') as is_inbound
        from tickets
        inner join chains
            on cast(tickets.id as varchar) = chains.ticket_id
            and tickets.created_at between chains.started_at and chains.ended_at + interval 15 minute
        group by tickets.id""",
    # Tickets that are contacts of their own, started by the customer (submitted by an end-user,
    # or taken on a call or chat).
    "inbound_tickets": """
        select tickets.*
        from tickets
        left join users as submitters on tickets.submitter_id = submitters.id
        where
            tickets.id not in (select id from logging_calls)
            and (coalesce(submitters.role, 'end-user') = 'end-user' or tickets.via.channel in ('voice', 'chat'))""",
    "inbound_chains": """
        select * from chains where coalesce(initiation_method, '') <> 'OUTBOUND'""",
}


def _with(*names: str) -> str:
    wanted = [name for name in _CTES if name in names]
    return "with " + ",\n".join(f"{name} as ({_CTES[name]})" for name in wanted) + "\n"


_CONTACTS = (
    "tickets",
    "users",
    "legs",
    "chains",
    "logging_calls",
    "inbound_tickets",
    "inbound_chains",
)

NPS = (
    _with("responses", "valid_responses")
    + """
select
    100.0 * (count(*) filter (where "Q1" >= 9) - count(*) filter (where "Q1" <= 6)) / count(*)
from valid_responses
where "Q1" between 0 and 10
"""
)

# Survey Q2 4-5 among 1-5, plus Zendesk good among good + bad.
CSAT = (
    _with("responses", "valid_responses", "tickets")
    + """
select
    (
        (select count(*) from valid_responses where "Q2" between 4 and 5)
        + (select count(*) from tickets where satisfaction_rating.score = 'good')
    ) / (
        (select count(*) from valid_responses where "Q2" between 1 and 5)
        + (select count(*) from tickets where satisfaction_rating.score in ('good', 'bad'))
    )
"""
)

# Every handled Connect contact record (leg): agent interaction + hold + after-contact work.
AVERAGE_HANDLE_TIME = (
    _with("legs")
    + """
select avg(
    coalesce("Agent".AgentInteractionDuration, 0)
    + coalesce("Agent".CustomerHoldDuration, 0)
    + coalesce("Agent".AfterContactWorkDuration, 0)
)
from legs
where "Agent".ConnectedToAgentTimestamp is not null or "Agent".Username is not null
"""
)

CONVERSION_RATE_BY_PLATFORM = (
    _with("events")
    + """
, sessions as (
    select
        user_pseudo_id,
        session_number,
        arg_min(platform, event_timestamp) filter (where platform in ('WEB', 'IOS', 'ANDROID'))
            as platform,
        bool_or(event_name = 'purchase') as has_purchase
    from events
    where session_number is not null
    group by user_pseudo_id, session_number
)
select
    case platform when 'WEB' then 'web' when 'IOS' then 'ios_app' when 'ANDROID' then 'android_app' end,
    avg(case when has_purchase then 1.0 else 0.0 end)
from sessions
group by 1
"""
)

# Non-cancelled orders' total_price minus succeeded refunds linked refund -> charge -> order.
NET_REVENUE = (
    _with("orders", "charges", "refunds")
    + """
, kept_orders as (
    select cast(id as varchar) as order_id, total_price from orders where cancelled_at is null
),
order_refunds as (
    select
        charges.metadata ->> 'order_id' as order_id,
        sum(refunds.amount) / 100.0 as refunded
    from refunds
    inner join charges on refunds.charge = charges.id
    where refunds.status = 'succeeded' and refunds.amount >= 0
    group by 1
)
select sum(kept_orders.total_price) - coalesce(sum(order_refunds.refunded), 0)
from kept_orders
left join order_refunds on kept_orders.order_id = order_refunds.order_id
"""
)

ORDERS = _with("orders") + "select count(*) from orders where cancelled_at is null"

# Inbound contacts: customer-started tickets of their own plus Connect chains not placed
# outbound by an agent (a ticket logged during a call is part of that call).
INBOUND_CONTACTS = (
    _with(*_CONTACTS)
    + """
select (select count(*) from inbound_tickets) + (select count(*) from inbound_chains)
"""
)

# First-contact resolution, simplified: the unit is the contact, not the episode-rule issue.
# A resolved contact (ticket solved, or call/chat handled by an agent or served by the IVR) counts
# as resolved at first contact when its ticket was never reopened and the same person (matched
# by e-mail or the last 10 phone digits across the Zendesk requester and the Connect endpoint) has
# no other inbound contact from 7 days before it started (an earlier contact about the same,
# still-open problem) to 7 days after it was resolved (a repeat contact).
FIRST_CONTACT_RESOLUTION_RATE = (
    _with(*_CONTACTS)
    + """
, ticket_statuses as (
    select
        ticket_id,
        count(*) filter (where child.value = 'solved') as n_solves,
        max(created_at) filter (where child.value = 'solved') as last_solved_at,
        count(*) filter (where child.previous_value = 'solved' and child.value <> 'closed') as n_reopens
    from (
        select events.ticket_id, events.created_at, unnest(events.child_events) as child
        from raw.support__ticket_events as events
        qualify row_number() over (
            partition by events.id order by events._delivery_date desc, events._row_number desc
        ) = 1
    )
    where child.event_type = 'Change' and child.field_name = 'status'
    group by ticket_id
),
contacts as (
    select
        'ticket-' || inbound_tickets.id as contact_id,
        inbound_tickets.created_at as started_at,
        case when inbound_tickets.status in ('solved', 'closed') then ticket_statuses.last_solved_at end
            as resolved_at,
        coalesce(ticket_statuses.n_solves > 1 or ticket_statuses.n_reopens > 0, false) as is_reopened,
        requesters.email,
        requesters.phone
    from inbound_tickets
    left join users as requesters on inbound_tickets.requester_id = requesters.id
    left join ticket_statuses on inbound_tickets.id = ticket_statuses.ticket_id
    union all
    select
        'chain-' || chain_id,
        started_at,
        case when not ended_in_queue then ended_at end,
        false,
        case when endpoint like '%@%' then endpoint end,
        case when endpoint not like '%@%' then endpoint end
    from inbound_chains
),
person_keys as (
    select contact_id, lower(trim(email)) as person_key from contacts where email is not null
    union
    select contact_id, right(regexp_replace(phone, '[^0-9]', '', 'g'), 10)
    from contacts
    where phone is not null
),
neighbours as (
    select distinct this.contact_id
    from contacts as this
    inner join person_keys as this_keys on this.contact_id = this_keys.contact_id
    inner join person_keys as other_keys
        on this_keys.person_key = other_keys.person_key and this.contact_id <> other_keys.contact_id
    inner join contacts as other on other_keys.contact_id = other.contact_id
    where
        other.started_at >= this.started_at - interval 7 day
        and other.started_at <= this.resolved_at + interval 7 day
)
select avg(case when not is_reopened and contact_id not in (select contact_id from neighbours) then 1.0 else 0.0 end)
from contacts
where resolved_at is not null
"""
)

# Contact rate by product: inbound contacts about the product (the ticket's SKU field 360002,
# else every product of the order in field 360001; a ticket logged during a call counts when the
# call was not placed outbound) per 100 non-cancelled orders containing the product.
CONTACT_RATE_BY_PRODUCT = (
    _with(*_CONTACTS, "orders", "products")
    + """
, counted_tickets as (
    select
        tickets.id,
        list_filter(tickets.custom_fields, lambda f: f.id = 360002)[1].value as sku,
        list_filter(tickets.custom_fields, lambda f: f.id = 360001)[1].value as order_id
    from tickets
    left join logging_calls on tickets.id = logging_calls.id
    where logging_calls.is_inbound or tickets.id in (select id from inbound_tickets)
),
variants as (
    select distinct cast(id as varchar) as product_id, unnest(variants).sku as sku from products
),
order_products as (
    select distinct
        cast(id as varchar) as order_id,
        cancelled_at is null as is_kept,
        cast(unnest(line_items).product_id as varchar) as product_id
    from orders
),
ticket_products as (
    select distinct counted_tickets.id, variants.product_id
    from counted_tickets
    inner join variants on counted_tickets.sku = variants.sku
    union
    select distinct counted_tickets.id, order_products.product_id
    from counted_tickets
    inner join order_products on counted_tickets.order_id = order_products.order_id
    where not exists (select 1 from variants where variants.sku = counted_tickets.sku)
),
product_orders as (
    select product_id, count(distinct order_id) as orders
    from order_products
    where is_kept
    group by product_id
)
select
    product_orders.product_id,
    100.0 * count(distinct ticket_products.id) / product_orders.orders
from product_orders
left join ticket_products on product_orders.product_id = ticket_products.product_id
group by product_orders.product_id, product_orders.orders
"""
)
