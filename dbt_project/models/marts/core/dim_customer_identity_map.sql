-- One row per person-identifying source record and the customer it resolves to: the contract's
-- columns of int_identity_records_resolved (its normalised identifiers stay internal).
select * exclude (email_key, phone_e164, postal_code5)
from {{ ref('int_identity_records_resolved') }}
