-- Attached to fct_service_issue so Dagster runs it as that asset's check, after every model it reads is built.
{{ config(meta={'dagster': {'ref': {'name': 'fct_service_issue'}}}) }}
-- An issue's transfers, handoffs, hold and handle time are the sums over its contacts, and its
-- auth repeats never exceed the attempts beyond the first. Returns the issues that disagree.
with

sums as (
    select
        issue_id,
        sum(transfers) as transfers,
        sum(n_handoffs) as handoffs,
        coalesce(sum(hold_seconds), 0) as hold_seconds,
        coalesce(sum(handle_seconds), 0) as handle_seconds,
        sum(auth_attempts) as auth_attempts
    from {{ ref('fct_contact') }}
    group by issue_id
)

select
    issue.issue_id,
    issue.n_transfers,
    sums.transfers,
    issue.n_handoffs,
    sums.handoffs
from {{ ref('fct_service_issue') }} as issue
inner join sums
    on issue.issue_id = sums.issue_id
where
    issue.n_transfers <> sums.transfers
    or issue.n_handoffs <> sums.handoffs
    or issue.hold_seconds <> sums.hold_seconds
    or issue.handle_seconds <> sums.handle_seconds
    or issue.auth_repeats <> greatest(sums.auth_attempts - 1, 0)
