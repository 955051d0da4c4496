-- The customer list for e-mail marketing: one row per person who may be sent a campaign, with
-- the segment and value that campaigns select on. The consent rule (DECISIONLOG D032): only an
-- explicit opt-in that has not been withdrawn (dim_customer.email_marketing_consent = true)
-- admits a person; no signal is not consent, and a withdrawal removes them at the next build.
-- A person without an e-mail address cannot be e-mailed and is left out. The address itself
-- stays in dim_customer (restricted publication); campaigns join on customer_id.
select
    customer_id,
    segment,
    lifetime_orders,
    lifetime_net_revenue,
    predicted_clv_12m,
    p_alive,
    email_consent_source,
    email_consent_updated_at,
    {{ utc_to_local_date('email_consent_updated_at') }} as email_consent_updated_on
from {{ ref('dim_customer') }}
where
    email_marketing_consent
    and primary_email is not null
