"""A mart column named after a metric is that metric (DECISIONLOG D024).

Each test reads a KPI mart of the demo company and the semantic layer's query with the mart's
grain as group-by, and requires the same numbers: the mart restates the metric for its rows, it
never redefines it. Where the semantic layer cannot express a mart's slice (CSAT of the answers
about a channel's or a product's orders, a product's week since launch), the column keeps the
metric's formula and docs/marts.md says so; a column with another formula has its own name
(`contacts_per_100_orders`, `later_repeat_purchase_rate`).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from warehouse.semantic_layer import SemanticLayer

pytestmark = pytest.mark.slow

# The semantic layer's issue-level bucket dimension for each driver of mart_cx_ops_drivers.
BUCKET_DIMENSIONS = {
    "handoffs": "issue__handoffs_bucket",
    "transfers": "issue__transfers_bucket",
    "auth_repeats": "issue__auth_repeats_bucket",
    "hold_time": "issue__hold_time_bucket",
    "refund_cycle_time": "issue__refund_cycle_bucket",
}

# mart_cx_ops_drivers column -> the metric it is (per bucket, all dates).
DRIVER_COLUMNS = {
    "nps_responses": "nps_responses",
    "nps_promoters": "nps_promoters",
    "nps_detractors": "nps_detractors",
    "nps": "nps",
    "csat_survey_responses": "csat_survey_answers",
    "csat_survey_satisfied": "csat_survey_satisfied",
    "csat_survey": "csat_survey",
    "csat_zendesk_ratings": "zendesk_ratings",
    "csat_zendesk_good": "zendesk_satisfied_ratings",
    "csat_zendesk": "csat_zendesk",
    "csat": "csat",
    "ces_responses": "ces_answers",
    "ces": "ces",
    "ces_easy_share": "ces_easy_share",
}

DRIVER_COUNTS = (
    "nps_responses",
    "nps_promoters",
    "nps_detractors",
    "csat_survey_answers",
    "csat_survey_satisfied",
    "zendesk_ratings",
    "zendesk_satisfied_ratings",
    "ces_answers",
)


def assert_frames_match(
    mart: pd.DataFrame, semantic: pd.DataFrame, columns: dict[str, str]
) -> None:
    """Same index (the mart's grain) and, column by column, the same values (nulls alike)."""
    assert len(mart) > 0
    assert sorted(mart.index) == sorted(semantic.index), "the two disagree on which rows exist"
    semantic = semantic.loc[mart.index]
    for mart_column, metric in columns.items():
        assert mart[mart_column].astype(float).tolist() == pytest.approx(
            semantic[metric].astype(float).tolist(), abs=1e-9, nan_ok=True
        ), f"{mart_column} is not the semantic layer's {metric}"


@pytest.mark.parametrize("driver", sorted(BUCKET_DIMENSIONS))
def test_driver_scores_per_bucket_are_the_metrics(
    demo_published_con: duckdb.DuckDBPyConnection, driver: str
) -> None:
    """NPS, the three CSATs and CES of each bucket are the metrics grouped by the issue's bucket.

    The mart reads the ticket_solved survey of each issue; the semantic layer reaches an issue
    only through a response's issue_id, which only ticket_solved responses carry (asserted)."""
    other_linked = demo_published_con.execute(
        "select count(*) from marts.fct_survey_response "
        "where trigger <> 'ticket_solved' and issue_id is not null"
    ).fetchone()[0]
    assert other_linked == 0, "responses of other surveys name an issue: filter the trigger"
    dimension = BUCKET_DIMENSIONS[driver]
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        sorted(set(DRIVER_COLUMNS.values())), group_by=[dimension]
    )
    semantic = semantic.dropna(subset=[dimension]).set_index(dimension)
    mart = demo_published_con.execute(
        "select * from marts.mart_cx_ops_drivers where driver = ?", [driver]
    ).df()
    # buckets with an answer of either source; a bucket nobody answered has no semantic row
    answered = mart[(mart["nps_responses"] + mart["csat_zendesk_ratings"]) > 0].set_index("bucket")
    # a count the semantic layer finds no row for is zero in the mart
    counts = {metric: 0 for metric in DRIVER_COUNTS}
    assert_frames_match(answered, semantic.fillna(counts), DRIVER_COLUMNS)


@pytest.mark.parametrize("driver", sorted(BUCKET_DIMENSIONS))
def test_driver_issue_counts_per_bucket_are_the_metrics(
    demo_published_con: duckdb.DuckDBPyConnection, driver: str
) -> None:
    dimension = BUCKET_DIMENSIONS[driver]
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        ["issues", "resolved_issues"], group_by=[dimension]
    )
    semantic = semantic.dropna(subset=[dimension]).set_index(dimension).fillna(0)
    mart = demo_published_con.execute(
        "select * from marts.mart_cx_ops_drivers where driver = ? and issues > 0", [driver]
    ).df()
    assert_frames_match(
        mart.set_index("bucket"),
        semantic,
        {"issues": "issues", "resolved_issues": "resolved_issues"},
    )


# Parity measures by the grain each sits in: sessions by platform and session month, orders by
# the order's channel and month (mart rows where the measure exists).
PARITY_MEASURES = {
    "sessions": (
        "session__platform",
        "sessions is not null",
        ["sessions", "converted_sessions", "conversion_rate"],
    ),
    "orders": ("order__channel", "orders > 0", ["orders", "net_revenue", "average_order_value"]),
}


@pytest.mark.parametrize("measured_by", sorted(PARITY_MEASURES))
def test_channel_parity_measures_are_the_metrics(
    demo_published_con: duckdb.DuckDBPyConnection, measured_by: str
) -> None:
    channel, mart_filter, metrics = PARITY_MEASURES[measured_by]
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        metrics, group_by=[channel, "metric_time__month"]
    )
    semantic = semantic[semantic[metrics[0]] > 0].dropna(subset=[channel])
    semantic["month"] = pd.to_datetime(semantic["metric_time__month"]).dt.date
    mart = demo_published_con.execute(
        f"select * from marts.mart_channel_parity where {mart_filter}"
    ).df()
    mart["month"] = pd.to_datetime(mart["month"]).dt.date
    assert_frames_match(
        mart.set_index(["channel", "month"]),
        semantic.set_index([channel, "month"]),
        {metric: metric for metric in metrics},
    )


def test_retention_cohorts_are_the_metrics(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    """From month 1 on (the metric's retention_rate starts there; month 0 is 1 by construction)."""
    cohort, k = "customer_month__cohort_month__month", "customer_month__months_since_first_order"
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        ["retained_customers", "cohort_customers", "retention_rate"], group_by=[cohort, k]
    )
    semantic = semantic[semantic[k] >= 1]
    semantic["cohort_month"] = pd.to_datetime(semantic[cohort]).dt.date
    semantic = semantic.set_index(["cohort_month", k])
    mart = demo_published_con.execute(
        "select * from marts.mart_retention_cohorts where months_since_first_order >= 1"
    ).df()
    mart["cohort_month"] = pd.to_datetime(mart["cohort_month"]).dt.date
    mart = mart.rename(columns={"months_since_first_order": k}).set_index(["cohort_month", k])
    assert_frames_match(
        mart,
        semantic,
        {
            "retained_customers": "retained_customers",
            "cohort_size": "cohort_customers",
            "retention_rate": "retention_rate",
        },
    )


def test_customer_value_cost_to_serve_is_the_metric(
    demo_published_con: duckdb.DuckDBPyConnection,
) -> None:
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        ["cost_to_serve"], group_by=["customer"]
    )
    semantic = semantic.dropna(subset=["customer"]).set_index("customer")
    mart = demo_published_con.execute(
        "select customer_id, cost_to_serve from marts.mart_customer_value "
        "where customer_id in (select customer_id from marts.fct_contact)"
    ).df()
    assert_frames_match(mart.set_index("customer_id"), semantic, {"cost_to_serve": "cost_to_serve"})


def test_launch_health_orders_add_up_to_the_product_metric(
    demo_published_con: duckdb.DuckDBPyConnection,
) -> None:
    """A product's weekly `orders` (orders containing it) add up to the metric product_orders:
    the semantic layer has no week since launch, but every order lies in one week."""
    semantic = SemanticLayer.from_publication(demo_published_con).query(
        ["product_orders"], group_by=["product"]
    )
    semantic = semantic.dropna(subset=["product"]).set_index("product")
    semantic = semantic[semantic["product_orders"] > 0]
    mart = demo_published_con.execute(
        "select product_id, sum(orders) as orders from marts.mart_product_launch_health "
        "group by product_id having sum(orders) > 0"
    ).df()
    assert_frames_match(mart.set_index("product_id"), semantic, {"orders": "product_orders"})
