"""When a number rests on too few observations to be put in plain words."""

from __future__ import annotations

# Fewest answers in a bucket and in the bucket it is compared with before a page states the
# difference as a finding; smaller buckets are shown, marked as small samples, never claimed.
MIN_ANSWERS = 30
