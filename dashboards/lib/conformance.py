"""Designed journeys against what customers did: `mart_journey_conformance` (and its detail,
`mart_journey_deviations`), shown as they are: funnel, leavers and where they went, timing."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.metric_display import readable_hours
from dashboards.lib.names import human_codes_in, human_name
from dashboards.lib.notices import require_columns
from dashboards.lib.published import PublishedWarehouse, table
from dashboards.lib.tables import table_with_download

CONFORMANCE = "mart_journey_conformance"
DEVIATIONS = "mart_journey_deviations"
COLUMNS = (
    "journey",
    "step_number",
    "step",
    "journeys_reached",
    "journeys_left_here",
    "share_left_here",
    "median_hours_from_start",
    "top_next_activities_text",
)


def conformance_section(warehouse: PublishedWarehouse) -> None:
    if not require_columns(warehouse, "marts", CONFORMANCE, COLUMNS):
        return
    steps = warehouse.sql(
        f"select {', '.join(COLUMNS)} from {table('marts', CONFORMANCE)} "
        "order by journey, step_number"
    )
    journeys = list(dict.fromkeys(steps["journey"]))
    if not journeys:
        st.info("No designed journey has instances in this publication.")
        return
    journey = st.selectbox(
        "Designed journey", journeys, key="designed_journey", format_func=human_name
    )
    one = steps.loc[steps["journey"] == journey].copy()
    # Reached = left the path here + reached the next step + not (yet) at the next step: the
    # last term, shown as a column of its own, makes the funnel's numbers add up.
    one["step"] = one["step"].map(human_name)
    one["not_yet_next"] = (
        one["journeys_reached"] - one["journeys_left_here"] - one["journeys_reached"].shift(-1)
    )
    # A journey that takes weeks reads in weeks, one that takes hours in hours.
    time_unit, hours_per_unit = readable_hours(one["median_hours_from_start"])
    one["median_hours_from_start"] /= hours_per_unit
    one = one.rename(columns={"median_hours_from_start": "median_time_from_start"})
    time_heading = f"Median {time_unit} from start"
    left, right = st.columns(2)
    with left:
        show(
            plot(
                "funnel",
                one,
                x="journeys_reached",
                y="step",
                title="Journeys reaching each designed step (% of the step before)",
                labels={"journeys_reached": "Journeys", "step": "Designed step"},
            ).update_traces(textinfo="value+percent previous"),
            key="funnel",
        )
    with right:
        show(
            plot(
                "bar",
                one,
                x="step",
                y="median_time_from_start",
                title="Median time from the journey's start to the step",
                labels={
                    "step": "Designed step",
                    "median_time_from_start": f"{time_unit.capitalize()} (median)",
                },
            ),
            key="step_timing",
        )
    if warehouse.has_table("marts", DEVIATIONS):
        went = warehouse.sql(
            f"select step_number, step, next_activity, journeys "
            f"from {table('marts', DEVIATIONS)} where journey = ? order by step_number, "
            "journeys desc",
            [journey],
        )
        if not went.empty:
            went = went.assign(
                step=went["step"].map(human_name),
                next_activity=went["next_activity"].map(human_name),
            )
            show(
                plot(
                    "bar",
                    went,
                    x="step",
                    y="journeys",
                    color="next_activity",
                    title="Where journeys that left the designed path went instead",
                    labels={
                        "step": "Left after step",
                        "journeys": "Journeys",
                        "next_activity": "What the customer did next",
                    },
                ),
                key="deviations",
            )
    # The last step has no next step: a dash, not "None".
    one["not_yet_next"] = one["not_yet_next"].map(lambda n: "—" if n != n else f"{int(n):,}")
    one["top_next_activities_text"] = one["top_next_activities_text"].map(human_codes_in)
    ordered = ["step_number", "step", "journeys_reached", "journeys_left_here", "not_yet_next"]
    one = one[ordered + [c for c in one.columns if c not in ordered]]
    table_with_download(
        one.drop(columns="journey").rename(
            columns={
                "step_number": "#",
                "step": "Designed step",
                "journeys_reached": "Journeys reaching it",
                "journeys_left_here": "Left the path here",
                "not_yet_next": "Not (yet) at the next step",
                "share_left_here": "Share left here",
                "median_time_from_start": time_heading,
                "top_next_activities_text": "Where they went",
            }
        ),
        f"journey_conformance_{journey}",
        column_config={
            "Share left here": st.column_config.NumberColumn(format="percent"),
            time_heading: st.column_config.NumberColumn(format="%.1f"),
        },
    )
