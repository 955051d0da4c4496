-- Latest version of each Amazon Connect contact trace record (by delivery, then position), with
-- the queue, agent, endpoint and contact attributes flattened.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='contact_id',
        incremental_strategy='merge',
        on_schema_change='fail',
        pre_hook="{{ reset_if_redelivered(source('contact_center', 'contacts')) }}",
    )
}}

with

changed_versions as (
    {{ versions_of_changed_keys(source('contact_center', 'contacts'), ['ContactId']) }}
),

latest as (
    {{ latest_version('changed_versions', key='ContactId') }}
),

flattened as (
    select
        cast(latest.ContactId as {{ dbt.type_string() }}) as contact_id,
        cast(latest.InitialContactId as {{ dbt.type_string() }}) as initial_contact_id,
        cast(latest.PreviousContactId as {{ dbt.type_string() }}) as previous_contact_id,
        cast(latest.NextContactId as {{ dbt.type_string() }}) as next_contact_id,
        latest.Channel as contact_channel,
        latest.InitiationMethod as initiation_method,
        {{ to_utc('latest.InitiationTimestamp') }} as initiated_at,
        {{ to_utc('latest.ConnectedToSystemTimestamp') }} as connected_to_system_at,
        {{ to_utc('latest.DisconnectTimestamp') }} as disconnected_at,
        latest.DisconnectReason as disconnect_reason,
        latest.CustomerEndpoint.Type as customer_endpoint_type,
        nullif(trim(latest.CustomerEndpoint.Address), '') as customer_endpoint_address,
        latest.Queue is null as has_no_queue,
        latest.Queue.Name as queue_name,
        {{ to_utc('latest.Queue.EnqueueTimestamp') }} as enqueued_at,
        {{ to_utc('latest.Queue.DequeueTimestamp') }} as dequeued_at,
        latest.Queue.Duration as queue_seconds,
        latest.Agent is null as has_no_agent,
        latest.Agent.Username as agent_username,
        {{ to_utc('latest.Agent.ConnectedToAgentTimestamp') }} as connected_to_agent_at,
        latest.Agent.AgentInteractionDuration as agent_interaction_seconds,
        latest.Agent.CustomerHoldDuration as customer_hold_seconds,
        latest.Agent.NumberOfHolds as number_of_holds,
        latest.Agent.LongestHoldDuration as longest_hold_seconds,
        latest.Agent.AfterContactWorkDuration as after_contact_work_seconds,
        -- Attributes: every value is a string; any key may be missing.
        nullif(trim({{ json_text('latest.Attributes', 'intent') }}), '') as intent,
        nullif(lower(trim({{ json_text('latest.Attributes', 'authenticated') }})), '') as authenticated_text,
        nullif(trim({{ json_text('latest.Attributes', 'auth_attempts') }}), '') as auth_attempts_text,
        nullif(trim({{ json_text('latest.Attributes', 'shop_customer_id') }}), '') as shop_customer_id,
        nullif(trim({{ json_text('latest.Attributes', 'zendesk_ticket_id') }}), '') as zendesk_ticket_id,
        latest.Attributes as attributes,  -- noqa: AL09
        latest._source_file,
        latest._delivery_date,
        latest._loaded_at
    from latest
)

select
    contact_id,
    initial_contact_id,
    previous_contact_id,
    next_contact_id,
    contact_channel,
    case contact_channel
        when 'VOICE' then 'phone'
        when 'CHAT' then 'chat'
    end as channel,
    initiation_method,
    initiation_method = 'TRANSFER' as is_transfer,
    initiated_at,
    connected_to_system_at,
    disconnected_at,
    disconnect_reason,
    customer_endpoint_type,
    customer_endpoint_address,
    case when customer_endpoint_type = 'TELEPHONE_NUMBER' then customer_endpoint_address end as customer_phone,
    case when customer_endpoint_type = 'EMAIL_ADDRESS' then customer_endpoint_address end as customer_email,
    queue_name,
    enqueued_at,
    dequeued_at,
    queue_seconds,
    agent_username,
    connected_to_agent_at,
    agent_interaction_seconds,
    customer_hold_seconds,
    number_of_holds,
    longest_hold_seconds,
    after_contact_work_seconds,
    -- Negative durations or hold counts are out of domain: kept and flagged.
    coalesce(
        least(
            queue_seconds, agent_interaction_seconds, customer_hold_seconds, number_of_holds,
            longest_hold_seconds, after_contact_work_seconds
        ) >= 0,
        true
    ) as is_valid_duration,
    -- The IVR contained the contact: it never reached a queue nor an agent.
    has_no_queue and has_no_agent as is_ivr_contained,
    -- The contact ended in the queue: queued, never connected to an agent.
    not has_no_queue and has_no_agent as is_abandoned_in_queue,
    intent,
    case authenticated_text
        when 'true' then true
        when 'false' then false
    end as is_authenticated,
    -- A non-integer or negative count is out of domain: nulled, and flagged.
    case when try_cast(auth_attempts_text as integer) >= 0 then try_cast(auth_attempts_text as integer) end
        as auth_attempts,
    coalesce(auth_attempts_text is null or try_cast(auth_attempts_text as integer) >= 0, false)
        as is_valid_auth_attempts,
    shop_customer_id,
    zendesk_ticket_id,
    attributes,
    _source_file,
    _delivery_date,
    _loaded_at
from flattened
