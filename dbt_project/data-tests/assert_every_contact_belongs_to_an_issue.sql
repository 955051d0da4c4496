-- Attached to fct_service_issue so Dagster runs it as that asset's check, after every model it reads is built.
{{ config(meta={'dagster': {'ref': {'name': 'fct_service_issue'}}}) }}
-- Every service contact belongs to exactly one issue that exists, and every issue counts exactly
-- the contacts that point to it. Returns the offending contacts / issues.
with

contact_issues as (
    select
        contact.contact_id,
        contact.issue_id,
        issue.issue_id as found_issue_id
    from {{ ref('fct_contact') }} as contact
    left join {{ ref('fct_service_issue') }} as issue
        on contact.issue_id = issue.issue_id
),

issue_counts as (
    select
        issue.issue_id,
        issue.n_contacts,
        count(contact.contact_id) as counted_contacts
    from {{ ref('fct_service_issue') }} as issue
    left join {{ ref('fct_contact') }} as contact
        on issue.issue_id = contact.issue_id
    group by issue.issue_id, issue.n_contacts
)

select
    contact_id as failing_id,
    'contact without an existing issue' as failure
from contact_issues
where found_issue_id is null
union all
select
    issue_id as failing_id,
    'issue whose n_contacts (' || n_contacts || ') differs from its contacts (' || counted_contacts || ')'
        as failure
from issue_counts
where n_contacts <> counted_contacts
