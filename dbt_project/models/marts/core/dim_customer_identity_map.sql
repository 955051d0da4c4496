-- One row per person-identifying source record and the customer it resolves to: the contract's
-- columns of int_identity_records_resolved (its normalised identifiers stay internal).
select {{ star_except(ref('int_identity_records_resolved'), ['email_key', 'phone_e164', 'postal_code5']) }}
from {{ ref('int_identity_records_resolved') }}
