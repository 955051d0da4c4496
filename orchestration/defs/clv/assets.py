"""CLV between two dbt steps: marts/fct_order -> BG/NBD + Gamma-Gamma (package `clv`) ->
dim_customer.

The asset's key equals the dbt source `clv.customer_predictions`, so dim_customer depends on it
with no glue (like identity/resolved_records). A model that cannot be fitted leaves its
predictions null and says why in the metadata, the log and `clv.model_fits`: it never fails the
run.

The models are fitted again every `$TOUCHPOINT_CLV_REFIT_DAYS` days of data (default 7; 0 refits
on every run) and on a full refresh; the runs between score every customer with the stored fit.
"""

import os

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from clv import CUSTOMER_PREDICTIONS, MODEL_FITS, CLVConfig, predict_clv_in_warehouse
from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.pipeline_job import is_full_refresh
from orchestration.lib.python_steps import python_step
from orchestration.lib.resources import WarehouseResource

CUSTOMER_PREDICTIONS_KEY = dg.AssetKey(["clv", "customer_predictions"])
ORDERS_KEY = get_asset_key_for_model([touchpoint_dbt_models], "fct_order")
ENV_REFIT_DAYS = "TOUCHPOINT_CLV_REFIT_DAYS"


def clv_config() -> CLVConfig:
    """The CLV settings of this deployment: the refit schedule from the environment."""
    refit_days = os.environ.get(ENV_REFIT_DAYS, "").strip()
    if not refit_days:
        return CLVConfig()
    if not refit_days.isdigit():
        raise dg.Failure(f"{ENV_REFIT_DAYS}={refit_days!r}: expected a whole number of days")
    return CLVConfig(refit_every_days=int(refit_days))


@python_step(
    key=CUSTOMER_PREDICTIONS_KEY,
    deps=[ORDERS_KEY],
    group_name="clv",
    description=(
        f"`{CUSTOMER_PREDICTIONS}`: per customer with a non-cancelled order, P(alive), expected "
        "purchases and average order value, and predicted 12-month CLV (BG/NBD x Gamma-Gamma, "
        f"1 % monthly discount; docs/clv.md). `{MODEL_FITS}`: parameters, log-likelihood and, "
        "when a model could not be fitted, why. Read by dbt's dim_customer."
    ),
)
def customer_predictions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    config = clv_config()
    with warehouse.connect() as con:
        result = predict_clv_in_warehouse(con, config, refit=is_full_refresh(context.run.tags))
    predictions = result.fit.predictions
    if not result.refitted:
        context.log.info(
            f"scored with the fit of the data as of {result.fitted_as_of} (refit every "
            f"{config.refit_every_days} days of data, or with --full-refresh)"
        )
    for fit in result.fit.fits:
        if fit.status == "fitted":
            context.log.info(
                f"{fit.model}: {fit.parameters} in {fit.seconds:.1f} s. {fit.note or ''}"
            )
        else:
            context.log.warning(f"{fit.model} {fit.status}, predictions left null: {fit.reason}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(predictions),
            "as_of_date": str(result.as_of),
            "refitted": result.refitted,
            "fitted_as_of": str(result.fitted_as_of),
            "customers_with_clv": int(predictions["predicted_clv_12m"].notna().sum()),
            "models": dg.MetadataValue.json(
                {
                    fit.model: {
                        "status": fit.status,
                        "reason": fit.reason,
                        "note": fit.note,
                        "n_customers": fit.n_customers,
                        "parameters": {k: round(v, 4) for k, v in fit.parameters.items()},
                        "log_likelihood": fit.log_likelihood,
                        "seconds": round(fit.seconds, 2),
                    }
                    for fit in result.fit.fits
                }
            ),
        }
    )
