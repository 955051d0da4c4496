"""CLV, the customer dimension and cost to serve on the demo company (3000 customers x 180 days).

Figures are recomputed here from fct_order / fct_contact with independent SQL, so a wrong join
or filter in dim_customer or mart_customer_value shows up as a difference.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from warehouse.semantic_layer import SemanticLayer

pytestmark = pytest.mark.slow

SEGMENTS = {"champion", "loyal", "new", "at_risk", "lapsed", "prospect"}
COST_PER_HANDLE_MINUTE = 1.20  # dbt_project.yml's default


def _df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def test_both_models_fitted_on_the_demo(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    fits = _df(demo_published_con, "select * from touchpoint.clv.model_fits").set_index("model")
    assert set(fits.index) == {"bg_nbd", "gamma_gamma"}
    assert (fits["status"] == "fitted").all(), fits["reason"].to_dict()
    assert fits["parameters"].notna().all() and fits["log_likelihood"].notna().all()


def test_every_buyer_has_a_clv_and_p_alive(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    customers = _df(
        demo_published_con,
        "select customer_id, lifetime_orders, predicted_clv_12m, p_alive, segment "
        "from touchpoint.marts.dim_customer",
    )
    buyers = customers[customers["lifetime_orders"] > 0]
    assert len(buyers) > 500
    assert buyers["predicted_clv_12m"].notna().all()
    assert (buyers["predicted_clv_12m"] >= 0).all()
    assert buyers["p_alive"].between(0, 1).all()
    # no orders: nothing to predict from, documented as null, and a prospect
    others = customers[customers["lifetime_orders"] == 0]
    assert len(others) > 0
    assert others["predicted_clv_12m"].isna().all() and others["p_alive"].isna().all()
    assert (others["segment"] == "prospect").all()


def test_segments_cover_every_customer(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    segments = _df(
        demo_published_con,
        "select segment, count(*) as n from touchpoint.marts.dim_customer group by segment",
    ).set_index("segment")["n"]
    assert set(segments.index) <= SEGMENTS  # no null, nothing outside the rule
    # a 180-day company has every tier but lapsed (that needs > 180 days without an order)
    assert {"champion", "loyal", "new", "at_risk", "prospect"} <= set(segments.index)
    total = demo_published_con.execute("select count(*) from touchpoint.marts.dim_customer")
    assert segments.sum() == total.fetchone()[0]


def test_lifetime_figures_equal_fct_order_aggregates(
    demo_published_con: duckdb.DuckDBPyConnection,
) -> None:
    differences = _df(
        demo_published_con,
        """
        with expected as (
            select customer_id, count(*) as orders, sum(net_revenue) as net_revenue,
                   min(ordered_at) as first_at, max(ordered_at) as last_at
            from touchpoint.marts.fct_order
            where customer_id is not null and not is_cancelled
            group by customer_id
        )
        select c.customer_id
        from touchpoint.marts.dim_customer as c
        left join expected as e on c.customer_id = e.customer_id
        where c.lifetime_orders <> coalesce(e.orders, 0)
           or c.lifetime_net_revenue <> coalesce(e.net_revenue, 0)
           or c.first_order_at is distinct from e.first_at
           or c.last_order_at is distinct from e.last_at
        """,
    )
    assert differences.empty
    orphans = demo_published_con.execute(
        "select count(*) from touchpoint.marts.fct_order where customer_id not in "
        "(select customer_id from touchpoint.marts.dim_customer)"
    ).fetchone()[0]
    assert orphans == 0


def test_latest_nps_is_the_latest_answer(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    mismatches = _df(
        demo_published_con,
        """
        select c.customer_id
        from touchpoint.marts.dim_customer as c
        left join (
            select customer_id, arg_max(nps_score, responded_at) as score, max(responded_at) as at
            from touchpoint.marts.fct_survey_response
            where nps_score is not null and customer_id is not null
            group by customer_id
        ) as s on c.customer_id = s.customer_id
        where c.latest_nps_responded_at is distinct from s.at
           or c.latest_nps_score is distinct from s.score
        """,
    )
    assert mismatches.empty
    answered = demo_published_con.execute(
        "select count(latest_nps_score) from touchpoint.marts.dim_customer"
    ).fetchone()[0]
    assert answered > 0


def test_predicted_clv_answers_through_the_semantic_layer(
    demo_published_con: duckdb.DuckDBPyConnection, demo_semantic_layer: SemanticLayer
) -> None:
    expected = demo_published_con.execute(
        "select sum(predicted_clv_12m), avg(predicted_clv_12m), avg(p_alive) "
        "from touchpoint.marts.dim_customer"
    ).fetchone()
    overall = demo_semantic_layer.query(
        ["predicted_clv_12m", "average_predicted_clv_12m", "average_p_alive"]
    )
    assert float(overall["predicted_clv_12m"].iloc[0]) == pytest.approx(float(expected[0]))
    assert float(overall["average_predicted_clv_12m"].iloc[0]) == pytest.approx(float(expected[1]))
    assert float(overall["average_p_alive"].iloc[0]) == pytest.approx(float(expected[2]))

    by_segment = demo_semantic_layer.query(
        ["predicted_clv_12m", "average_predicted_clv_12m"], ["customer__segment"]
    ).set_index("customer__segment")
    assert set(by_segment.index) <= SEGMENTS
    assert by_segment["predicted_clv_12m"].astype(float).sum() == pytest.approx(float(expected[0]))
    # champions are the recent repeat buyers above the CLV cut, loyal ones below it
    average = by_segment["average_predicted_clv_12m"].astype(float)
    assert average["champion"] > average["loyal"]
    assert pd.isna(by_segment.loc["prospect", "predicted_clv_12m"])


def test_cost_to_serve_against_value(demo_published_con: duckdb.DuckDBPyConnection) -> None:
    value = _df(demo_published_con, "select * from touchpoint.marts.mart_customer_value")
    n_customers = demo_published_con.execute(
        "select count(*) from touchpoint.marts.dim_customer"
    ).fetchone()[0]
    assert len(value) == n_customers and value["customer_id"].is_unique
    minutes = _df(
        demo_published_con,
        "select customer_id, sum(handle_seconds) / 60.0 as minutes from touchpoint.marts.fct_contact "
        "where customer_id is not null group by customer_id",
    ).set_index("customer_id")["minutes"]
    joined = value.set_index("customer_id").join(minutes)
    joined["minutes"] = joined["minutes"].fillna(0)
    assert joined["minutes"].sum() > 0
    assert (joined["handle_minutes"].astype(float) - joined["minutes"]).abs().max() < 0.006
    expected_cost = (joined["minutes"] * COST_PER_HANDLE_MINUTE).round(2)
    assert (joined["cost_to_serve"].astype(float) - expected_cost).abs().max() < 0.011
    served = joined[joined["cost_to_serve"] > 0]
    ratio = served["lifetime_net_revenue"].astype(float) / served["cost_to_serve"].astype(float)
    assert (served["value_to_cost_ratio"].astype(float) - ratio).abs().max() < 1e-3
    assert joined.loc[joined["cost_to_serve"] == 0, "value_to_cost_ratio"].isna().all()
