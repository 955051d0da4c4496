"""What moves the experience: scores by operational driver bucket, with confidence intervals.

Everything shown is a column of the contract mart `mart_cx_ops_drivers` (scores by the semantic
layer's definitions, differences and intervals computed in dbt); the page only ranks and draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.column_units import column_display
from dashboards.lib.names import human_name
from dashboards.lib.notices import require_columns, require_tables
from dashboards.lib.page import publication_caption
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.samples import MIN_ANSWERS
from dashboards.lib.tables import table_with_download

MART = "mart_cx_ops_drivers"


@dataclass(frozen=True)
class Outcome:
    label: str
    metric: str  # the mart column holding the score (named like the semantic metric)
    plain_words: str  # the mart's sentence column for this score
    responses: str
    column_format: str = "%.1f"  # st.column_config format of score, difference and interval


OUTCOMES = {
    "NPS": Outcome("NPS", "nps", "plain_words", "nps_responses"),
    "CSAT": Outcome("CSAT", "csat", "plain_words_csat", "csat_responses", "percent"),
    "CES": Outcome("CES", "ces", "plain_words_ces", "ces_responses", "%.2f"),
    "Repeat purchase": Outcome(
        "Repeat purchase",
        "later_repeat_purchase_rate",
        "plain_words_repeat_purchase",
        "repeat_purchase_customers",
        "percent",
    ),
}


def load(warehouse: PublishedWarehouse, outcome: Outcome) -> pd.DataFrame:
    m = outcome.metric
    frame = warehouse.sql(
        f"""
        select driver, bucket, bucket_order, is_baseline, bucket_description, issues,
               {outcome.responses} as responses, {m} as score, {m}_difference as difference,
               {m}_difference_ci_low as ci_low, {m}_difference_ci_high as ci_high,
               {outcome.plain_words} as plain_words
        from {table("marts", MART)}
        order by driver, bucket_order
        """
    )
    baseline = frame.loc[frame["is_baseline"]].set_index("driver")["responses"]
    frame["baseline_responses"] = frame["driver"].map(baseline)
    frame["small_sample"] = (frame["responses"].fillna(0) < MIN_ANSWERS) | (
        frame["baseline_responses"].fillna(0) < MIN_ANSWERS
    )
    frame["driver_name"] = frame["driver"].map(human_name)
    # A driver's impact: its largest gap from the baseline (ranking only; no score is derived).
    gaps = frame.loc[~frame["is_baseline"]].groupby("driver")["difference"]
    impact = gaps.apply(lambda d: d.abs().max()).rename("impact")
    return frame.merge(impact, on="driver", how="left").sort_values(
        ["impact", "driver", "bucket_order"], ascending=[False, True, True]
    )


def difference_chart(warehouse: PublishedWarehouse, frame: pd.DataFrame, outcome: Outcome) -> None:
    display = column_display(warehouse, MART, outcome.metric)
    rows = frame.loc[~frame["is_baseline"] & frame["difference"].notna()].copy()
    for column in ("difference", "ci_low", "ci_high"):
        rows[column] = [display.value(v) for v in rows[column]]
    rows["label"] = (
        rows["driver_name"]
        + ": "
        + rows["bucket"].astype(str)
        + rows["small_sample"].map({True: " (small sample)", False: ""})
    )
    rows["error_plus"] = rows["ci_high"] - rows["difference"]
    rows["error_minus"] = rows["difference"] - rows["ci_low"]
    unit = display.delta_unit or display.unit
    figure = plot(
        "scatter",
        rows,
        x="difference",
        y="label",
        error_x="error_plus",
        error_x_minus="error_minus",
        color="driver_name",
        hover_data={"plain_words": True, "responses": True, "error_plus": False},
        title=f"{outcome.label}: difference from each driver's baseline bucket (95 % CI)",
        labels={
            "difference": f"Difference in {outcome.label} ({unit})" if unit else "Difference",
            "label": "Driver: bucket",
            "driver_name": "Driver",
        },
    )
    figure.add_vline(x=0, line_dash="dot", line_color="#7B8794")
    figure.update_yaxes(categoryorder="array", categoryarray=list(rows["label"])[::-1])
    figure.update_layout(height=max(360, 28 * len(rows)), showlegend=False)
    show(figure, key=f"drivers_{outcome.metric}")


def headline(frame: pd.DataFrame) -> None:
    """The clearest findings in plain words: intervals that exclude zero, from buckets and
    baselines of at least MIN_ANSWERS answers, biggest gap first."""
    clear = frame.loc[
        ~frame["is_baseline"]
        & ~frame["small_sample"]
        & ((frame["ci_low"] > 0) | (frame["ci_high"] < 0))
        & frame["plain_words"].notna()
    ]
    clear = clear.reindex(clear["difference"].abs().sort_values(ascending=False).index)
    if clear.empty:
        st.info(
            "No driver bucket with enough answers differs from its baseline beyond sampling "
            f"noise (a claim needs at least {MIN_ANSWERS} answers on each side)."
        )
        return
    st.markdown("\n".join(f"- {sentence}" for sentence in clear["plain_words"].head(8)))


st.title("What moves the experience")
warehouse = open_published()
if warehouse is not None and require_tables(warehouse, "marts", MART):
    choice = st.segmented_control(
        "Outcome", list(OUTCOMES), default="NPS", key="driver_outcome", required=True
    )
    outcome = OUTCOMES[choice or "NPS"]
    needed = [outcome.metric, f"{outcome.metric}_difference", outcome.plain_words]
    if require_columns(warehouse, "marts", MART, needed):
        frame = load(warehouse, outcome)
        st.caption(
            "Service issues grouped by what happened to them (handoffs, transfers, hold, ...); "
            "each bucket compared with the driver's best bucket. Drivers ranked by their "
            "largest gap. All issues in the publication (the sidebar filters do not apply)."
        )
        st.subheader("In plain words")
        headline(frame)
        difference_chart(warehouse, frame, outcome)
        st.subheader("Every driver and bucket")
        table_with_download(
            frame.drop(columns=["driver", "bucket_order", "impact", "baseline_responses"])
            .pipe(lambda shown: shown[["driver_name", *shown.columns.drop("driver_name")]])
            .rename(
                columns={
                    "driver_name": "Driver",
                    "small_sample": f"Under {MIN_ANSWERS} answers",
                    "bucket": "Bucket",
                    "is_baseline": "Baseline",
                    "bucket_description": "Issues",
                    "issues": "Issue count",
                    "responses": "Answers",
                    "score": outcome.label,
                    "difference": "Difference",
                    "ci_low": "CI low",
                    "ci_high": "CI high",
                    "plain_words": "In plain words",
                }
            ),
            f"drivers_{outcome.metric}",
            column_config={
                name: st.column_config.NumberColumn(format=outcome.column_format)
                for name in (outcome.label, "Difference", "CI low", "CI high")
            },
        )
    publication_caption(warehouse)
