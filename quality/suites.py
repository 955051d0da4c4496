"""Great Expectations suites for the raw layer, as code: one per contract entity.

A suite is built fresh on every call (GX expectation objects cannot be shared between suites).
Each expectation carries its severity in ``meta``:

- ``blocking``: required columns non-null, enums, ranges. Real deliveries carry a small rate of
  out-of-domain values, which ingestion loads and these expectations flag; ``mostly`` lets
  occasional ones through (they are counted and reported) while a systematic break fails the
  check and stops downstream steps. "Occasional" is judged statistically (see
  :func:`tolerated_mostly`), so one bad value in a 50-row table does not block.
- ``warning``: formats, open-ended lists, and repeated key versions (the same record re-sent in
  several files is a defect the contract expects; staging keeps one version).

The rules themselves (enums, ranges, patterns, derived columns) are declared in each entity's
contract file (``sources/<system>/<entity>.yml``, ``quality:``); this module turns them into GX.
Columns prefixed ``_q_`` are derived in DuckDB by the query that feeds the suite (nested fields,
cross-field rules, the number of rows sharing a key version); see :mod:`quality.raw`.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe
from scipy.stats import binom

from ingestion.contract import ENTITIES, SPECS, EntitySpec, QualityRules

BLOCKING = "blocking"
WARNING = "warning"
#: Defect rate real deliveries may carry per expectation before it counts as a systematic break.
TOLERATED_DEFECT_RATE = 0.02
#: A table fails when its bad-value count is above what that rate produces 999 times in 1,000.
_CONFIDENCE = 0.999
DEFAULT_MOSTLY = 1 - TOLERATED_DEFECT_RATE


def tolerated_mostly(rows: int) -> float:
    """The GX ``mostly`` for a table of ``rows`` rows: 1 - (the 99.9th percentile of the number
    of bad values a delivery with the tolerated defect rate produces) / rows.

    A flat 98 % would block a 50-row table for its second bad value; this bound allows a few
    in small tables and converges to the tolerated rate in large ones.
    """
    if rows <= 0:
        return DEFAULT_MOSTLY
    allowed = binom.ppf(_CONFIDENCE, rows, TOLERATED_DEFECT_RATE)
    return max(0.0, 1 - allowed / rows)


#: The value rules of every entity, as its contract file declares them (``quality:``).
DOMAINS: dict[tuple[str, str], QualityRules] = {
    (spec.system, spec.entity): spec.quality for spec in SPECS
}


#: Derived column holding how many rows share the row's record key version.
KEY_VERSIONS = "_q_rows_per_key_version"


def key_version_columns(spec: EntitySpec) -> tuple[str, ...]:
    """The contract's versioning rule: (key, update timestamp), else (key, delivery date)."""
    if not spec.key:
        return ()
    return (*spec.key, spec.version_column or "_delivery_date")


def not_null_columns(spec: EntitySpec) -> tuple[str, ...]:
    domain = DOMAINS[(spec.system, spec.entity)]
    return domain.not_null if domain.not_null is not None else spec.required_fields


def build_suite(system: str, entity: str, mostly: float = DEFAULT_MOSTLY) -> gx.ExpectationSuite:
    spec = ENTITIES[(system, entity)]
    d = DOMAINS[(system, entity)]
    blocking = {"severity": BLOCKING}
    warning = {"severity": WARNING}
    suite = gx.ExpectationSuite(name=f"raw.{spec.table}")
    add = suite.add_expectation
    add(
        gxe.ExpectTableColumnsToMatchSet(
            column_set=list(spec.field_names), exact_match=False, meta=blocking
        )
    )
    for col in not_null_columns(spec):
        add(gxe.ExpectColumnValuesToNotBeNull(column=col, mostly=mostly, meta=blocking))
    for col, values in d.enums.items():
        add(
            gxe.ExpectColumnValuesToBeInSet(
                column=col, value_set=list(values), mostly=mostly, meta=blocking
            )
        )
    for col, (lo, hi) in d.ranges.items():
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=col, min_value=lo, max_value=hi, mostly=mostly, meta=blocking
            )
        )
    for col in d.rules:
        add(
            gxe.ExpectColumnValuesToBeInSet(
                column=col, value_set=[True], mostly=mostly, meta=blocking
            )
        )
    if spec.key:
        add(
            gxe.ExpectColumnValuesToBeBetween(
                column=KEY_VERSIONS, min_value=1, max_value=1, meta=warning
            )
        )
    for col, pattern in d.patterns.items():
        add(gxe.ExpectColumnValuesToMatchRegex(column=col, regex=pattern, meta=warning))
    for col, values in d.open_enums.items():
        add(gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(values), meta=warning))
    return suite
