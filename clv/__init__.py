"""Customer lifetime value: BG/NBD purchase frequency x Gamma-Gamma spend (pymc-marketing).

Pure Python (no Dagster, no dbt), so tests fit the models directly (CDNOW validation) and the
Dagster asset (`orchestration/defs/clv`) is a thin wrapper. pymc-marketing is imported only
when a model is fitted: importing it costs seconds, and the code location must load fast.

Public API:
    CLVConfig                      - horizon, discount rate, time unit, minimum data to fit
    rfm_summary                    - transactions -> frequency / recency / T / repeat spend
    fit_clv, CLVFit, ModelFit      - summary -> fitted models, per-customer predictions,
                                     parameters and the reason when a model was not fitted
    score_clv                      - summary + stored fits -> the same predictions, no fitting
    predict_clv_in_warehouse       - read marts.fct_order, score with the stored fit or fit
                                     again when due, write clv.customer_predictions and
                                     clv.model_fits
"""

from clv.model import CLVConfig, CLVFit, ModelFit, fit_clv, score_clv
from clv.store import CUSTOMER_PREDICTIONS, MODEL_FITS, predict_clv_in_warehouse
from clv.summary import rfm_summary

__all__ = [
    "CUSTOMER_PREDICTIONS",
    "MODEL_FITS",
    "CLVConfig",
    "CLVFit",
    "ModelFit",
    "fit_clv",
    "predict_clv_in_warehouse",
    "rfm_summary",
    "score_clv",
]
