-- One row per person-identifying source record and the customer it resolves to.
select
    source_system,
    source_entity,
    source_record_id,
    customer_id,
    match_method,
    match_probability
from {{ ref('int_identity_records_resolved') }}
