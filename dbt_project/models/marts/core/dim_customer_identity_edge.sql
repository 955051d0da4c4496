-- One row per link that joined two records into one customer, and per steward force-split:
-- why each customer is one (docs/identity.md; `touchpoint identity explain CUSTOMER_ID`).
select
    customer_id,
    left_source_system,
    left_source_entity,
    left_source_record_id,
    right_source_system,
    right_source_entity,
    right_source_record_id,
    rule,
    linked,
    evidence_bits,
    match_probability,
    reason
from {{ source('identity', 'resolved_edges') }}
