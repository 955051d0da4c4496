"""Every metric of the output contract exists in the semantic layer, is documented, answers a query
on both warehouses, and can be grouped by the dimensions the dashboards and marts rely on."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.helpers import DOCS
from warehouse.semantic_layer import SemanticLayer

WAREHOUSE_CONTRACT = DOCS / "warehouse.md"
# Variants the contract names inside a definition (`ces_easy_share`) or asks for per source.
VARIANTS = ["ces_easy_share", "csat_survey", "csat_zendesk", "contact_rate_by_product"]
# Built by the CLV mart, not by the semantic-layer part of the issue.


def contract_metrics() -> list[str]:
    """Metric names of the contract's metric table (first column, each in backticks)."""
    text = WAREHOUSE_CONTRACT.read_text()
    section = text.split("## Metrics", 1)[1]
    names = []
    for row in re.findall(r"^\|\s*(`[^|]+)\|", section, flags=re.MULTILINE):
        names.extend(re.findall(r"`([a-z0-9_]+)`", row))
    return names


CONTRACT_METRICS = contract_metrics()
ALL_METRICS = CONTRACT_METRICS + VARIANTS


def test_the_contract_lists_the_metrics_we_expect() -> None:
    assert {"nps", "csat", "retention_rate", "cost_to_serve", "abandonment_rate"} <= set(
        CONTRACT_METRICS
    )
    assert len(CONTRACT_METRICS) == len(set(CONTRACT_METRICS)) >= 29


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_metric_is_defined_with_label_and_description(
    metric: str, semantic_layer: SemanticLayer
) -> None:
    info = {m.name: m for m in semantic_layer.metrics}[metric]
    assert info.label and info.label != metric
    assert len(info.description) > 30


@pytest.mark.parametrize("metric", ALL_METRICS)
def test_metric_answers_by_month_on_the_handmade_warehouse(
    metric: str, semantic_layer: SemanticLayer
) -> None:
    result = semantic_layer.query([metric], ["metric_time__month"])
    assert list(result.columns) == ["metric_time__month", metric]
    assert len(result) >= 1


@pytest.mark.slow
@pytest.mark.parametrize("metric", ALL_METRICS)
def test_metric_has_a_value_on_the_demo_company(
    metric: str, demo_semantic_layer: SemanticLayer
) -> None:
    value = demo_semantic_layer.query([metric])[metric].iloc[0]
    assert pd.notna(value)


def test_metric_time_is_always_a_business_local_date(semantic_layer: SemanticLayer) -> None:
    """Every measure aggregates on its fact's own New York date (`*_on`) or month, never UTC time."""
    for model in semantic_layer.manifest.semantic_models:
        time_dimensions = {d.name for d in model.dimensions if d.type.value == "time"}
        for measure in model.measures:
            agg_time = measure.agg_time_dimension or model.defaults.agg_time_dimension
            assert agg_time in time_dimensions, (model.name, measure.name)
            assert agg_time.endswith(("_on", "_month")), (model.name, measure.name, agg_time)


def _rows(layer: SemanticLayer, metrics: list[str], group_by: list[str]) -> pd.DataFrame:
    result = layer.query(metrics, group_by)
    assert sorted(result.columns) == sorted([*group_by, *metrics])
    return result


@pytest.mark.slow
@pytest.mark.parametrize(
    ("metrics", "group_by"),
    [
        (["nps", "csat", "ces"], ["issue__handoffs_bucket"]),
        (
            ["nps", "csat_survey", "ces_easy_share"],
            ["issue__hold_time_bucket", "issue__contact_reason"],
        ),
        (["nps"], ["customer__email_marketing_consent", "metric_time__week"]),
        (["nps", "csat_survey"], ["survey_response__survey_trigger", "metric_time__quarter"]),
        (["conversion_rate", "sessions"], ["session__platform", "metric_time__month"]),
        (["average_order_value", "orders"], ["order__channel"]),
        (["contact_rate_by_product"], ["product__title", "product__product_type"]),
        (
            ["retention_rate"],
            ["customer_month__cohort_month__month", "customer_month__months_since_first_order"],
        ),
        (["cost_to_serve"], ["customer", "metric_time__month"]),
        (["first_contact_resolution_rate", "handoffs_per_issue"], ["issue__contact_reason"]),
        (["average_handle_time", "abandonment_rate"], ["contact__channel", "metric_time__day"]),
        (["touchpoints"], ["touchpoint__journey_stage", "touchpoint__channel"]),
        (["csat", "contact_rate", "self_service_containment_rate"], ["metric_time__month"]),
    ],
)
def test_group_bys_across_entities(
    metrics: list[str], group_by: list[str], demo_semantic_layer: SemanticLayer
) -> None:
    result = _rows(demo_semantic_layer, metrics, group_by)
    assert len(result) >= 2
    assert result[metrics].notna().any().all()


@pytest.mark.slow
def test_nps_by_handoffs_re_aggregates_to_the_total(demo_semantic_layer: SemanticLayer) -> None:
    """Promoters/detractors/responses add up across issue buckets (a ratio of sums, not a mean)."""
    parts = ["nps_promoters", "nps_detractors", "nps_responses"]
    by_bucket = demo_semantic_layer.query(parts, ["issue__handoffs_bucket"])[parts].sum()
    total = demo_semantic_layer.query([*parts, "nps"]).iloc[0]
    assert by_bucket.tolist() == total[parts].tolist()
    expected = 100 * (total["nps_promoters"] - total["nps_detractors"]) / total["nps_responses"]
    assert total["nps"] == pytest.approx(expected)


@pytest.mark.slow
def test_combined_csat_weights_both_sources(demo_semantic_layer: SemanticLayer) -> None:
    parts = [
        "csat_survey_satisfied",
        "csat_survey_answers",
        "zendesk_satisfied_ratings",
        "zendesk_ratings",
    ]
    row = demo_semantic_layer.query([*parts, "csat", "csat_survey", "csat_zendesk"]).iloc[0]
    assert row["csat_survey"] == pytest.approx(
        row["csat_survey_satisfied"] / row["csat_survey_answers"]
    )
    assert row["csat_zendesk"] == pytest.approx(
        row["zendesk_satisfied_ratings"] / row["zendesk_ratings"]
    )
    satisfied = row["csat_survey_satisfied"] + row["zendesk_satisfied_ratings"]
    answered = row["csat_survey_answers"] + row["zendesk_ratings"]
    assert row["csat"] == pytest.approx(satisfied / answered)
    assert (
        min(row["csat_survey"], row["csat_zendesk"])
        <= row["csat"]
        <= max(row["csat_survey"], row["csat_zendesk"])
    )


@pytest.mark.slow
def test_retention_month_zero_is_excluded_and_cohorts_shrink_to_complete_months(
    demo_semantic_layer: SemanticLayer,
) -> None:
    result = demo_semantic_layer.query(
        ["retention_rate", "cohort_customers"], ["customer_month__months_since_first_order"]
    )
    by_k = result.set_index("customer_month__months_since_first_order")
    assert pd.isna(by_k.loc[0, "retention_rate"])  # month 0 is the cohort itself
    assert by_k["retention_rate"].dropna().between(0, 1).all()
    # Older cohorts only reach higher k: the observed cohort can only shrink with k.
    assert by_k["cohort_customers"].is_monotonic_decreasing
