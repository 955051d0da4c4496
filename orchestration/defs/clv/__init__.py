"""Customer lifetime value: the Python step between fct_order and dim_customer."""

import dagster as dg

from orchestration.defs.clv.assets import customer_predictions

defs = dg.Definitions(assets=[customer_predictions])

__all__ = ["customer_predictions", "defs"]
