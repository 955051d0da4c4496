-- Attached to fct_contact so Dagster runs it as that asset's check, after every model it reads is built.
{{ config(meta={'dagster': {'ref': {'name': 'fct_contact'}}}) }}
-- Nothing is lost or double counted on the way from the Zendesk and Connect exports to
-- fct_contact: every ticket is the ticket of exactly one contact (its own, or the call it was
-- logged during), and every Connect contact record is a leg of exactly one chain contact.
with

tickets as (
    select
        tickets.ticket_id,
        count(contact.contact_id) as n_contacts
    from {{ ref('stg_support__tickets') }} as tickets
    left join {{ ref('fct_contact') }} as contact
        on tickets.ticket_id = contact.ticket_id
    group by tickets.ticket_id
),

legs as (
    select count(*) as n_legs
    from {{ ref('stg_contact_center__contacts') }}
),

chain_legs as (
    select coalesce(sum(legs), 0) as n_legs
    from {{ ref('fct_contact') }}
    where contact_type = 'chain'
)

select
    ticket_id as failing_id,
    'ticket in ' || n_contacts || ' contacts' as failure
from tickets
where n_contacts <> 1
union all
select
    'connect legs' as failing_id,
    legs.n_legs || ' contact records but ' || chain_legs.n_legs || ' legs in fct_contact' as failure
from legs
cross join chain_legs
where legs.n_legs <> chain_legs.n_legs
