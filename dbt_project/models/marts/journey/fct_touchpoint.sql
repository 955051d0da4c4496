-- One row per customer activity in any system: the journey stream (Activity Schema style). Each
-- activity is a verb_noun in the past tense, placed in a journey stage, counted per customer
-- (activity_occurrence) and linked to when the customer next did the same (activity_repeated_at).
-- Incremental (macros/incremental_by_group.sql): a run re-numbers only the streams (actor_key)
-- with an activity added, changed, moved to another customer or gone since the last build.
{% set compared_columns = [
    'touchpoint_id', 'customer_id', 'anonymous_id', 'occurred_at', 'source_system',
    'source_entity', 'source_record_id', 'channel', 'activity', 'issue_id', 'order_id',
    'contact_id', 'session_id', 'cast(revenue_impact as decimal(18, 2))', 'detail'] %}
{% set stored_actor_key = "coalesce(customer_id, 'anonymous:' || anonymous_id, touchpoint_id)" %}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='touchpoint_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        merge_clauses=merge_clauses_with_tombstones('occurred_at', 'touchpoint_id'),
    )
}}

with

unioned as (
    select
        touchpoint_id,
        customer_id,
        anonymous_id,
        occurred_at,
        source_system,
        source_entity,
        source_record_id,
        channel,
        activity,
        issue_id,
        order_id,
        contact_id,
        session_id,
        revenue_impact,
        detail
    from {{ ref('int_touchpoints_unioned') }}
    union all
    select
        'surveys:responses:' || response_id || ':completed_survey' as touchpoint_id,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        responded_at as occurred_at,
        'surveys' as source_system,
        'responses' as source_entity,
        response_id as source_record_id,
        'survey' as channel,
        'completed_survey' as activity,
        issue_id,
        order_id,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        cast(null as decimal(18, 2)) as revenue_impact,
        trigger as detail
    from {{ ref('fct_survey_response') }}
    -- sources added by declaration (README "Adding a source")
    {{ added_touchpoints() }}
),

staged as (
    select
        *,
        case
            when activity in ('started_session', 'received_email', 'opened_email', 'clicked_email')
                then 'discover'
            when
                activity in (
                    'signed_up', 'logged_in', 'viewed_product', 'added_to_cart', 'began_checkout'
                )
                then 'consider'
            when activity in ('placed_order', 'completed_checkout', 'made_payment', 'failed_payment')
                then 'purchase'
            when activity in ('delivered_order')
                then 'deliver'
            when
                activity in (
                    'viewed_help_article', 'clicked_contact_us', 'opened_ticket', 'solved_ticket',
                    'called_contact_center', 'chatted_with_contact_center', 'cancelled_order',
                    'received_refund'
                )
                then 'service'
            when activity in ('completed_survey', 'rated_ticket')
                then 'feedback'
            when
                activity in (
                    'created_crm_contact', 'unsubscribed_from_email', 'bounced_email',
                    'marked_email_as_spam'
                )
                then 'retain'
            {{ added_journey_stages() }}
        end as journey_stage,
        -- Whose stream the activity belongs to: the customer, else the anonymous device.
        {{ stored_actor_key }} as actor_key
    from unioned
)
{{- redecided_groups_ctes('staged', 'touchpoint_id', 'actor_key', stored_actor_key, compared_columns) }}

select
    touchpoint_id,
    customer_id,
    anonymous_id,
    occurred_at,
    {{ utc_to_local_date('occurred_at') }} as occurred_on,
    source_system,
    channel,
    activity,
    journey_stage,
    issue_id,
    order_id,
    cast(revenue_impact as decimal(18, 2)) as revenue_impact,
    cast(row_number() over (
        partition by actor_key, activity order by occurred_at, touchpoint_id
    ) as bigint) as activity_occurrence,
    lead(occurred_at) over (
        partition by actor_key, activity order by occurred_at, touchpoint_id
    ) as activity_repeated_at,
    source_entity,
    source_record_id,
    contact_id,
    session_id,
    detail
from staged
{{ where_group_redecided('actor_key') }}
{{ tombstones('touchpoint_id', 18) }}
