-- One row per person-identifying source record with the customer the Python identity step
-- resolved it to (identity.resolved_records). The only model that reads that source: the
-- identity map mart and every model that looks a record's customer up read this one
-- (macro resolved_customers_of), so the layers flow one way.
select
    source_system,
    source_entity,
    source_record_id,
    customer_id,
    match_method,
    match_probability,
    email_key,
    phone_e164,
    postal_code5
from {{ source('identity', 'resolved_records') }}
