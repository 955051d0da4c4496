"""The CLV code reproduces the published maximum-likelihood estimates on real data (CDNOW).

tests/fixtures/cdnow/README.md holds the data's origin and the published figures: BG/NBD from
Fader, Hardie & Lee (2005), Gamma-Gamma from Fader & Hardie (2013), 39-week calibration period
1997-01-01 .. 1997-09-30. The whole path runs: raw transactions -> rfm_summary -> fit_clv.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from clv import CLVConfig, CLVFit, fit_clv, rfm_summary
from tests.helpers import FIXTURES

CDNOW = FIXTURES / "cdnow"
CALIBRATION_END = date(1997, 9, 30)
PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BG_NBD_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
PUBLISHED_REPEAT_BUYERS = 946


@pytest.fixture(scope="module")
def calibration_summary() -> pd.DataFrame:
    transactions = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "yyyymmdd", "n_cds", "dollars"],
        dtype={"yyyymmdd": str},
    )
    transactions["ordered_on"] = pd.to_datetime(transactions["yyyymmdd"], format="%Y%m%d")
    # the published summary's ID is the sample_id (1..2357), so that is the customer id here
    return rfm_summary(transactions, CALIBRATION_END, customer_col="sample_id", value_col="dollars")


@pytest.fixture(scope="module")
def cdnow_fit(calibration_summary: pd.DataFrame) -> CLVFit:
    return fit_clv(calibration_summary, CLVConfig())


def test_summary_matches_the_papers_calibration_data(calibration_summary: pd.DataFrame) -> None:
    """Same x, t_x and T (weeks) as the published summary file, customer by customer."""
    published = pd.read_csv(CDNOW / "cdnow_customers_summary.csv")
    ours = calibration_summary.sort_values("customer_id")
    assert len(ours) == len(published) == 2357
    assert (ours["frequency"].to_numpy() == published["frequency"].to_numpy()).all()
    for column in ("recency", "T"):
        np.testing.assert_allclose(ours[column], published[column], atol=0.006)  # 2 decimals


def test_bg_nbd_reproduces_the_published_estimates(cdnow_fit: CLVFit) -> None:
    fit = cdnow_fit.bg_nbd
    assert fit.status == "fitted", fit.reason
    for name, published in PUBLISHED_BG_NBD.items():
        assert fit.parameters[name] == pytest.approx(published, rel=0.01), name
    assert fit.log_likelihood == pytest.approx(PUBLISHED_BG_NBD_LOG_LIKELIHOOD, abs=0.5)


def test_gamma_gamma_reproduces_the_published_estimates(cdnow_fit: CLVFit) -> None:
    fit = cdnow_fit.gamma_gamma
    assert fit.status == "fitted", fit.reason
    assert fit.n_customers == PUBLISHED_REPEAT_BUYERS
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert fit.parameters[name] == pytest.approx(published, rel=0.01), name


def test_predictions_are_coherent(cdnow_fit: CLVFit) -> None:
    predictions = cdnow_fit.predictions
    assert (
        predictions[["p_alive", "expected_purchases_12m", "predicted_clv_12m"]].notna().all().all()
    )
    assert predictions["p_alive"].between(0, 1).all()
    # one-time buyers get the Gamma-Gamma population mean spend, p v / (q - 1)
    p, q, v = (cdnow_fit.gamma_gamma.parameters[k] for k in ("p", "q", "v"))
    one_timers = predictions.loc[predictions["frequency"] == 0, "expected_average_order_value"]
    np.testing.assert_allclose(one_timers, p * v / (q - 1), rtol=1e-9)
    # discounting: the 12-month CLV lies below undiscounted purchases x spend, above its
    # value discounted for the full year
    undiscounted = (
        predictions["expected_purchases_12m"] * predictions["expected_average_order_value"]
    )
    assert (predictions["predicted_clv_12m"] <= undiscounted * (1 + 1e-9)).all()
    assert (predictions["predicted_clv_12m"] >= undiscounted / 1.01**12 * (1 - 1e-9)).all()


def test_too_little_history_is_recorded_not_raised(calibration_summary: pd.DataFrame) -> None:
    few = fit_clv(calibration_summary.head(30), CLVConfig())
    assert few.bg_nbd.status == "skipped" and "30 customers" in (few.bg_nbd.reason or "")
    assert few.gamma_gamma.status == "skipped"
    assert few.predictions["predicted_clv_12m"].isna().all()
    assert len(few.predictions) == 30
