"""CLV between two dbt steps: marts/fct_order -> BG/NBD + Gamma-Gamma (package `clv`) ->
dim_customer.

The asset's key equals the dbt source `clv.customer_predictions`, so dim_customer depends on it
with no glue (like identity/resolved_records). A model that cannot be fitted leaves its
predictions null and says why in the metadata, the log and `clv.model_fits`: it never fails the
run.
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from clv import CUSTOMER_PREDICTIONS, MODEL_FITS, predict_clv_in_warehouse
from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.python_steps import python_step
from orchestration.lib.resources import WarehouseResource

CUSTOMER_PREDICTIONS_KEY = dg.AssetKey(["clv", "customer_predictions"])
ORDERS_KEY = get_asset_key_for_model([touchpoint_dbt_models], "fct_order")


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
    with warehouse.connect() as con:
        result = predict_clv_in_warehouse(con)
    predictions = result.fit.predictions
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
