"""BG/NBD (purchase frequency and dropout) and Gamma-Gamma (spend per transaction), fitted by
maximum likelihood with pymc-marketing, and the per-customer predictions built from them.

`HalfFlat` priors (pymc-marketing's Gamma-Gamma default, set explicitly for BG/NBD) and MAP
make the fit the maximum-likelihood estimate of the literature: on CDNOW it reproduces Fader,
Hardie & Lee's published parameters (tests/clv/test_cdnow.py). A model that cannot be fitted
(too few repeat customers, an optimiser failure, an implausible estimate) does not raise: its
predictions stay null and `ModelFit.reason` says why, so a small or odd warehouse still builds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from time import perf_counter
from typing import Any, Literal

import numpy as np
import pandas as pd

from clv.runtime import configure_pytensor

BG_NBD = "bg_nbd"
GAMMA_GAMMA = "gamma_gamma"
BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")
# pymc-marketing's customer_lifetime_value steps months of 4.345 weeks for weekly data; the
# undiscounted expected purchases use the same month so that the two agree.
WEEKS_PER_MONTH = 4.345
# Below this weight of a customer's own spend, Gamma-Gamma has found no between-customer
# difference in spend (q and v run towards infinity): worth a note, not a failure.
MIN_OWN_SPEND_WEIGHT = 0.01

FitStatus = Literal["fitted", "skipped", "failed"]
PREDICTION_COLUMNS = (
    "p_alive",
    "expected_purchases_12m",
    "expected_average_order_value",
    "predicted_clv_12m",
)


@dataclass(frozen=True)
class CLVConfig:
    """What to predict and how much data a fit needs (docs/clv.md)."""

    horizon_months: int = 12
    monthly_discount_rate: float = 0.01
    # Below these the maximum-likelihood estimates are unstable (parameters run to the bounds):
    # predictions stay null rather than mislead.
    min_customers: int = 50
    min_repeat_customers: int = 20
    # A daily run scores customers with the stored fit; the models are fitted again once the
    # data's as-of date is this many days past the fit's (and on `touchpoint run
    # --full-refresh`). 0 refits on every run. Parameters move little from one week's orders
    # to the next, and a refit costs seconds to minutes where scoring costs well under one.
    refit_every_days: int = 7

    @property
    def horizon_weeks(self) -> float:
        return self.horizon_months * WEEKS_PER_MONTH


@dataclass(frozen=True)
class ModelFit:
    """One model's outcome: its parameters when fitted, the reason when not."""

    model: str
    status: FitStatus
    n_customers: int
    parameters: dict[str, float] = field(default_factory=dict)
    log_likelihood: float | None = None
    reason: str | None = None
    seconds: float = 0.0
    note: str | None = None  # a fitted model's caveat worth reading


@dataclass(frozen=True)
class CLVFit:
    """Per-customer predictions (summary columns + PREDICTION_COLUMNS, null where a model is
    missing) and the two model fits."""

    predictions: pd.DataFrame
    bg_nbd: ModelFit
    gamma_gamma: ModelFit

    @property
    def fits(self) -> tuple[ModelFit, ModelFit]:
        return (self.bg_nbd, self.gamma_gamma)


def fit_clv(summary: pd.DataFrame, config: CLVConfig | None = None) -> CLVFit:
    """Fit both models on an `rfm_summary` and predict for every customer in it."""
    config = config or CLVConfig()
    bg_fit, bg_model = _fit_bg_nbd(summary, config)
    spend_data = _spend_data(summary)
    gg_fit, gg_model = _fit_gamma_gamma(spend_data, config)
    return _predict(summary, bg_fit, bg_model, gg_fit, gg_model, config)


def score_clv(
    summary: pd.DataFrame, bg_nbd: ModelFit, gamma_gamma: ModelFit, config: CLVConfig | None = None
) -> CLVFit:
    """Predict for every customer in an `rfm_summary` with the parameters of earlier fits, no
    fitting: the same predictions `fit_clv` makes when it arrives at these parameters. A model
    that was not fitted then leaves its predictions null now."""
    config = config or CLVConfig()
    bg_model = gg_model = None
    if bg_nbd.status == "fitted":
        bg_model = _model_with_parameters(
            _bg_nbd_model(),
            bg_nbd.parameters,
            summary.loc[:, ["customer_id", "frequency", "recency", "T"]],
        )
    spend_data = _spend_data(summary)
    if gamma_gamma.status == "fitted":
        gg_model = _model_with_parameters(
            _gamma_gamma_model(), gamma_gamma.parameters, _repeat_buyers(spend_data)
        )
    return _predict(summary, bg_nbd, bg_model, gamma_gamma, gg_model, config)


def _predict(
    summary: pd.DataFrame,
    bg_fit: ModelFit,
    bg_model: Any,
    gg_fit: ModelFit,
    gg_model: Any,
    config: CLVConfig,
) -> CLVFit:
    predictions = summary.copy()
    for column in PREDICTION_COLUMNS:
        predictions[column] = np.nan
    spend_data = _spend_data(summary)
    if bg_model is not None:
        predictions["p_alive"] = _per_customer(
            bg_model.expected_probability_alive(data=summary), summary
        )
        predictions["expected_purchases_12m"] = _per_customer(
            bg_model.expected_purchases(data=summary, future_t=config.horizon_weeks), summary
        )
    if gg_model is not None:
        # every customer gets the model's expected spend: a first-time buyer the population
        # mean, a repeat buyer a mix of the population mean and their own repeat spend
        spend = _per_customer(gg_model.expected_customer_spend(data=spend_data), summary)
        predictions["expected_average_order_value"] = spend
    if bg_model is not None and gg_model is not None:
        predictions["predicted_clv_12m"] = _discounted_value(bg_model, summary, spend, config)
    return CLVFit(predictions=predictions, bg_nbd=bg_fit, gamma_gamma=gg_fit)


def _fit_bg_nbd(summary: pd.DataFrame, config: CLVConfig) -> tuple[ModelFit, Any]:
    n_customers = len(summary)
    n_repeat = int((summary["frequency"] > 0).sum())
    if n_customers < config.min_customers or n_repeat < config.min_repeat_customers:
        reason = (
            f"too little purchase history: {n_customers} customers ({config.min_customers} "
            f"needed), {n_repeat} with a repeat purchase ({config.min_repeat_customers} needed)"
        )
        return ModelFit(BG_NBD, "skipped", n_customers, reason=reason), None

    data = summary.loc[:, ["customer_id", "frequency", "recency", "T"]]
    return _fit_guarded(BG_NBD, BG_NBD_PARAMETERS, _bg_nbd_model, data)


def _bg_nbd_model() -> Any:
    from pymc_extras.prior import Prior
    from pymc_marketing.clv import BetaGeoModel

    flat = {name: Prior("HalfFlat") for name in BG_NBD_PARAMETERS}
    return BetaGeoModel(model_config=flat)


def _gamma_gamma_model() -> Any:
    from pymc_marketing.clv import GammaGammaModel

    return GammaGammaModel()  # its default priors are HalfFlat: maximum likelihood


def _model_with_parameters(model: Any, parameters: dict[str, float], data: pd.DataFrame) -> Any:
    """A pymc-marketing model whose posterior is the one point `parameters`, as MAP leaves it:
    its predictions are the fitted model's."""
    import arviz as az
    import xarray as xr

    configure_pytensor()
    model.build_model(data=data)
    model.idata = az.InferenceData(
        posterior=xr.Dataset(
            {name: (("chain", "draw"), np.array([[value]])) for name, value in parameters.items()}
        )
    )
    return model


def _spend_data(summary: pd.DataFrame) -> pd.DataFrame:
    # Gamma-Gamma is defined for positive spend; a customer whose repeat purchases were refunded
    # to zero or less counts as spending 0 (their expected spend shrinks towards it).
    return summary.loc[:, ["customer_id", "frequency"]].assign(
        monetary_value=summary["monetary_value"].clip(lower=0.0)
    )


def _repeat_buyers(spend_data: pd.DataFrame) -> pd.DataFrame:
    """Gamma-Gamma's data: customers with a repeat purchase and positive spend."""
    return spend_data.loc[(spend_data["frequency"] > 0) & (spend_data["monetary_value"] > 0)]


def _fit_gamma_gamma(spend_data: pd.DataFrame, config: CLVConfig) -> tuple[ModelFit, Any]:
    repeat_buyers = _repeat_buyers(spend_data)
    n_buyers = len(repeat_buyers)
    if n_buyers < config.min_repeat_customers:
        reason = (
            f"too few repeat customers with positive spend: {n_buyers} "
            f"({config.min_repeat_customers} needed)"
        )
        return ModelFit(GAMMA_GAMMA, "skipped", n_buyers, reason=reason), None

    fit, model = _fit_guarded(
        GAMMA_GAMMA, GAMMA_GAMMA_PARAMETERS, _gamma_gamma_model, repeat_buyers
    )
    if model is None:
        return fit, None
    p, q = fit.parameters["p"], fit.parameters["q"]
    if q <= 1:
        return _failed(fit, f"q = {q:.3g} <= 1: the expected spend is undefined"), None
    # weight of a customer's own mean spend in their expected spend (Fader & Hardie eq. 5)
    own_weight = (
        p * repeat_buyers["frequency"].max() / (p * repeat_buyers["frequency"].max() + q - 1)
    )
    if own_weight < MIN_OWN_SPEND_WEIGHT:
        note = (
            f"spend shows no heterogeneity between customers (q = {q:.3g}; a customer's own mean "
            f"spend weighs at most {own_weight:.2%}): everyone gets the population mean spend"
        )
        fit = replace(fit, note=note)
    return fit, model


def _fit_guarded(
    name: str, parameter_names: tuple[str, ...], build: Any, data: pd.DataFrame
) -> tuple[ModelFit, Any]:
    """MAP fit; any error or implausible estimate becomes a `failed` ModelFit, never a raise."""
    configure_pytensor()
    started = perf_counter()
    try:
        model = build()
        model.fit(data=data, method="map", progressbar=False)
        parameters = {p: float(model.fit_result[p].values.squeeze()) for p in parameter_names}
        log_likelihood = _log_likelihood(model)
    except Exception as exc:  # the pipeline must survive a bad fit; the reason is recorded
        reason = f"{type(exc).__name__}: {exc}"[:500]
        return ModelFit(name, "failed", len(data), reason=reason), None
    fit = ModelFit(
        name,
        "fitted",
        len(data),
        parameters=parameters,
        log_likelihood=log_likelihood,
        seconds=perf_counter() - started,
    )
    implausible = [p for p, v in parameters.items() if not (math.isfinite(v) and v > 0)]
    if implausible or not math.isfinite(log_likelihood):
        return _failed(fit, f"no finite positive estimate for {implausible or 'likelihood'}"), None
    return fit, model


def _failed(fit: ModelFit, reason: str) -> ModelFit:
    return replace(fit, status="failed", reason=reason)


def _log_likelihood(model: Any) -> float:
    """The data's log-likelihood at the estimate, the figure papers report. The priors are
    flat (log density 0), so it is pymc's log density without the Jacobian of its log
    transform (which the MAP objective pymc prints includes). Covers observed variables and
    the Potential that pymc-marketing's Gamma-Gamma likelihood is written as."""
    pm_model = model.model
    point = {}
    for rv in pm_model.free_RVs:
        value = model.fit_result[rv.name].values.squeeze()
        transform = pm_model.rvs_to_transforms.get(rv)
        if transform is not None:
            value = transform.forward(value, *rv.owner.inputs).eval()
        point[pm_model.rvs_to_values[rv].name] = value
    return float(pm_model.compile_logp(jacobian=False)(point))


def _per_customer(values: Any, summary: pd.DataFrame) -> np.ndarray:
    """A MAP prediction (chain and draw of length 1) as an array in the summary's row order."""
    squeezed = values.squeeze(drop=True)
    return squeezed.sel(customer_id=summary["customer_id"].to_numpy()).to_numpy().astype(float)


def _discounted_value(
    bg_model: Any, summary: pd.DataFrame, spend: np.ndarray, config: CLVConfig
) -> np.ndarray:
    """pymc-marketing's customer_lifetime_value: expected purchases month by month x expected
    spend, each month discounted at the monthly rate."""
    from pymc_marketing.clv import customer_lifetime_value

    value = customer_lifetime_value(
        transaction_model=bg_model,
        data=summary.assign(future_spend=spend),
        future_t=config.horizon_months,
        discount_rate=config.monthly_discount_rate,
        time_unit="W",
    )
    return _per_customer(value, summary)
