"""Tests for analysis.forecast: seasonal naive by hand, ETS intervals, rolling-origin MASE, too little history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import forecast, store
from analysis.filters import Filters
from analysis.errors import StocktakeError
from analysis.load.ingest import load_frame

SEASON = np.array([10, 12, 15, 20, 18, 16, 14, 13, 11, 9, 8, 9], dtype=float)


def _monthly(values) -> pd.DataFrame:
    return pd.DataFrame({"period": pd.date_range("2020-04-01", periods=len(values), freq="MS"), "value": values})


def test_seasonal_naive_by_hand():
    y = np.arange(1, 9, dtype=float)  # 1..8, season of 4
    mean, sd = forecast.seasonal_naive(y, 4, 6)
    assert mean.tolist() == [5, 6, 7, 8, 5, 6]
    # Seasonal differences are all 4: sigma = 4; steps 5-6 are a second season back: sqrt(2).
    assert sd.tolist() == pytest.approx([4, 4, 4, 4, 4 * np.sqrt(2), 4 * np.sqrt(2)])


def test_mase_of_seasonal_series_with_trend_is_one_for_the_baseline():
    # Perfect season plus a straight trend: every seasonal naive error is 12 * slope, the same as the scale.
    y = np.tile(SEASON, 4) + 0.5 * np.arange(48)
    result = forecast.forecast_series(_monthly(y), "month", horizon=6)
    assert result.season_length == 12
    assert result.mase(forecast.SEASONAL_NAIVE) == pytest.approx(1.0)
    # ETS learns the trend and the season: much better than the baseline.
    assert result.mase(forecast.ETS) < 0.5
    assert not result.messages


def test_perfect_repeating_series_has_undefined_mase_and_exact_baseline():
    y = np.tile(SEASON, 3)
    result = forecast.forecast_series(_monthly(y), "month", horizon=12)
    naive = result.forecast[result.forecast["model"] == forecast.SEASONAL_NAIVE]
    assert naive["mean"].tolist() == SEASON.tolist()
    assert naive["hi95"].tolist() == SEASON.tolist()  # zero spread: the past repeats exactly
    assert np.isnan(result.mase(forecast.SEASONAL_NAIVE))
    assert any("MASE is undefined" in m for m in result.messages)


def test_forecast_frame_shape_labels_and_intervals():
    rng = np.random.default_rng(3)
    y = np.tile(SEASON, 3) * 10 + rng.normal(0, 3, 36)
    result = forecast.forecast_series(_monthly(y), "month", horizon=3)
    ets = result.forecast[result.forecast["model"] == forecast.ETS]
    assert ets["label"].tolist() == ["Apr 2023", "May 2023", "Jun 2023"]
    assert (ets["lo95"] <= ets["lo80"]).all() and (ets["lo80"] <= ets["mean"]).all()
    assert (ets["mean"] <= ets["hi80"]).all() and (ets["hi80"] <= ets["hi95"]).all()
    assert set(result.accuracy["model"]) == {forecast.SEASONAL_NAIVE, forecast.ETS}
    assert (result.accuracy["errors"] == 3 + 3 + 3 + 3 + 2 + 1).all()  # 6 origins, horizon 3


def test_short_history_drops_seasonality_with_a_message():
    y = np.arange(20, dtype=float) + 100
    result = forecast.forecast_series(_monthly(y), "month", horizon=3)
    assert result.season_length == 1
    assert "too few to learn a seasonal pattern" in result.messages[0]
    naive = result.forecast[result.forecast["model"] == forecast.SEASONAL_NAIVE]
    assert naive["mean"].tolist() == [119, 119, 119]


def test_too_little_history_is_a_plain_error():
    with pytest.raises(StocktakeError, match="Too little history to forecast: 9 complete months; at least 10"):
        forecast.forecast_series(_monthly(np.ones(9)), "month")
    with pytest.raises(StocktakeError, match="between 1 and 24"):
        forecast.forecast_series(_monthly(np.ones(30)), "month", horizon=30)


def test_financial_years_forecast_without_season():
    y = np.arange(12, dtype=float) * 10 + 50
    history = pd.DataFrame({"period": pd.date_range("2010-04-01", periods=12, freq="12MS"), "value": y})
    result = forecast.forecast_series(history, "financial_year", horizon=2)
    assert result.forecast["label"].unique().tolist() == ["2022/23", "2023/24"]


def test_demand_forecast_drops_incomplete_periods_and_fills_gaps(tmp_path):
    con = store.open_store(tmp_path / "f.duckdb")
    days = pd.date_range("2021-01-01", "2024-01-10", freq="D")
    # One contact per day, none in March 2022 (a real zero month), and a partial January 2024.
    days = days[~((days.year == 2022) & (days.month == 3))]
    load_frame(con, pd.DataFrame({"d": days}), dataset="x", kind="records", roles={"d": "date"})
    result = forecast.demand_forecast(con, store.get_dataset(con, "x"), Filters(), "month", horizon=2)
    assert result.history["label"].iloc[-1] == "Dec 2023"
    assert len(result.history) == 36
    assert result.history.set_index("label").loc["Mar 2022", "value"] == 0
    assert result.forecast["label"].unique().tolist() == ["Jan 2024", "Feb 2024"]


@pytest.mark.parametrize("m, n", [(12, 40), (1, 20), (7, 30)])
def test_point_forecast_from_states_matches_statsmodels(m, n):
    rng = np.random.default_rng(m)
    season = np.tile(SEASON[:m] if m > 1 else [0.0], n // max(m, 1) + 1)[:n]
    y = 100 + season * 5 + np.arange(n) * 0.7 + rng.normal(0, 2, n)
    params = forecast._ets_fit(y[:-4], m).params
    ours = forecast.ets_point_forecast(y, m, params, 5)
    theirs = forecast._ets_model(y, m).smooth(params).forecast(5)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-10)


@pytest.mark.parametrize("m, n", [(12, 43), (1, 20)])
def test_ets_intervals_match_statsmodels(m, n):
    rng = np.random.default_rng(7)
    y = 1000 + (np.tile(SEASON, 4)[:n] * 30 if m > 1 else 0) + np.arange(n) * 4 + rng.normal(0, 20, n)
    ours = forecast.ets_forecast(y, m, 14)
    params = forecast.ets_fit_params(y, m)
    prediction = forecast._ets_model(y, m).smooth(params).get_prediction(start=n, end=n + 13)
    for alpha, lo, hi in ((0.05, "lo95", "hi95"), (0.2, "lo80", "hi80")):
        frame = prediction.summary_frame(alpha=alpha)
        np.testing.assert_allclose(ours["mean"], frame["mean"], rtol=1e-9)
        np.testing.assert_allclose(ours[lo], frame["pi_lower"], rtol=1e-9)
        np.testing.assert_allclose(ours[hi], frame["pi_upper"], rtol=1e-9)


def test_another_horizon_for_the_same_series_fits_nothing_again(monkeypatch):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fits = []
    real_fit = ETSModel.fit
    monkeypatch.setattr(ETSModel, "fit", lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    rng = np.random.default_rng(11)
    y = np.tile(SEASON, 4) * 50 + rng.normal(0, 5, 48)  # a series no other test fits
    six = forecast.forecast_series(_monthly(y), "month", horizon=6)
    assert len(fits) == 1
    nine = forecast.forecast_series(_monthly(y), "month", horizon=9)
    assert len(fits) == 1  # the parameters of the first fit, kept for this series
    assert len(nine.forecast) == 2 * 9
    # The first six periods ahead are the same forecast, whichever horizon was asked for.
    np.testing.assert_allclose(nine.forecast["mean"].to_numpy()[9:15], six.forecast["mean"].to_numpy()[6:12])
    forecast.forecast_series(_monthly(y + 1), "month", horizon=6)
    assert len(fits) == 2  # another series is fitted
