"""Forecasting demand: a seasonal naive baseline and an exponential smoothing (ETS) model, each with 80% and 95%
intervals, and the accuracy of both on a rolling origin (MASE), so nobody trusts a model that does worse than
"same month last year".

Definitions (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.):

- Seasonal naive: the forecast for period t+h is the value one season earlier, y[t+h-m*(k+1)] with
  k = floor((h-1)/m). Its h-step standard deviation is sigma * sqrt(k+1), sigma being the root mean square of the
  in-sample seasonal differences y[t] - y[t-m] (fpp3 section 5.5, table 5.2).
- ETS: statsmodels' ``ETSModel`` with additive errors, a damped additive trend and additive seasonality when there
  are at least two full seasons, initial states by the heuristic of Hyndman et al. (2008); the analytic prediction
  intervals statsmodels' ``get_prediction`` gives (computed here without its slower results object).
- MASE: mean absolute forecast error on the rolling origin, divided by the mean absolute in-sample seasonal naive
  (one season back) error of the first training window (fpp3 section 5.8). Below 1: better than the baseline's
  typical in-sample error. On the rolling origin, ETS parameters are estimated once on the first training window
  and the model is re-run (not refitted) on each longer window.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import periods, store
from analysis.demand import figures
from analysis.errors import StocktakeError
from analysis.filters import Filters

Z80 = 1.2815515655446004  # standard normal quantile for a central 80% interval
Z95 = 1.959963984540054  # ... for 95%
MIN_HISTORY = 10  # fewer complete periods than this: no forecast at all
ROLLING_ORIGINS = 6  # forecast origins in the accuracy check (each refits ETS, so keep it small)
SEASONAL_NAIVE = "Seasonal naive"
ETS = "ETS (exponential smoothing)"


@dataclass
class ForecastResult:
    """History, forecasts with intervals, and accuracy of each model, ready for a chart and a table."""

    history: pd.DataFrame  # period, label, value
    forecast: pd.DataFrame  # model, period, label, step, mean, lo80, hi80, lo95, hi95
    accuracy: pd.DataFrame  # model, mase, mae, errors
    season_length: int
    messages: list[str] = field(default_factory=list)

    def mase(self, model: str) -> float:
        found = dict(zip(self.accuracy["model"], self.accuracy["mase"]))
        return float(found[model]) if model in found else float("nan")


def seasonal_naive(y: np.ndarray, m: int, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Seasonal naive point forecasts for 1..horizon steps and their standard deviations (see module docstring)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < m + 1:
        raise StocktakeError(f"A seasonal naive forecast needs more than one season ({m} periods) of history.")
    steps = np.arange(1, horizon + 1)
    k = (steps - 1) // m
    mean = y[n - m + (steps - 1) % m]
    diffs = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(diffs ** 2))) if len(diffs) else float("nan")
    return mean, sigma * np.sqrt(k + 1)


def _ets_model(y: np.ndarray, m: int):
    # Imported on the first forecast, not with the module: statsmodels takes seconds to import, and every page
    # (and the CLI) imports this module's neighbours.
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = "add" if m > 1 and len(y) >= 2 * m else None
    # Initial level, trend and season from the first periods (Hyndman et al. 2008, section 2.6.1) rather than
    # estimated with the smoothing parameters: 4 parameters to optimise instead of 18 for monthly data, ~0.02 s
    # instead of ~1 s, and on count series the full estimation often stops unconverged anyway. statsmodels needs
    # at least 10 periods for it.
    initialization = "heuristic" if len(y) >= 10 else "estimated"
    # A Series (not an array): statsmodels' prediction intervals need an index to label.
    return ETSModel(
        pd.Series(np.asarray(y, dtype=float)), error="add", trend="add", damped_trend=True, seasonal=seasonal,
        seasonal_periods=m if seasonal else None, initialization_method=initialization,
    )


def _ets_fit(y: np.ndarray, m: int):
    """statsmodels' fitted results (with standard errors: slower). For tests and comparisons."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _ets_model(y, m).fit(disp=False, maxiter=200)


def ets_fit_params(y: np.ndarray, m: int) -> np.ndarray:
    """Maximum-likelihood ETS parameters only: the results object would also estimate a Hessian for standard
    errors (~70 ms a time), which forecasts do not use.

    Kept per series (its values and season length): the fit does not depend on how far ahead the forecast looks, so
    moving the horizon, or another person asking for the same series, refits nothing (the fit was the largest part
    of a forecast's CPU)."""
    return np.array(_fitted_params(np.ascontiguousarray(y, dtype=float).tobytes(), m), dtype=float)


@functools.lru_cache(maxsize=512)
def _fitted_params(values: bytes, m: int) -> tuple[float, ...]:
    y = np.frombuffer(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tuple(np.asarray(_ets_model(y, m).fit(disp=False, maxiter=200, return_params=True), dtype=float))


def ets_point_forecast(y: np.ndarray, m: int, params, horizon: int) -> np.ndarray:
    """ETS point forecasts with given parameters, from the model's final states (no results object).

    For additive errors, damped additive trend and additive season (fpp3 section 8.3):
    y[n+h] = level[n] + (phi + ... + phi^h) * trend[n] + season[n + h - m(k+1)]. statsmodels' results object
    estimates a Hessian on creation (~20 ms); the rolling origin needs only the point forecasts.
    """
    model = _ets_model(y, m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, states = model.smooth(np.asarray(params), return_raw=True)
    states = np.asarray(states, dtype=float)
    named = dict(zip(model.param_names, np.asarray(params, dtype=float)))
    steps = np.arange(1, horizon + 1)
    forecast = np.full(horizon, states[-1, 0])
    column = 1
    if model.has_trend:
        phi = named.get("damping_trend", 1.0) if model.damped_trend else 1.0
        forecast += np.cumsum(phi ** steps) * states[-1, 1]
        column = 2
    if model.has_seasonal:
        season = states[-model.seasonal_periods:, column]
        forecast += season[(steps - 1) % model.seasonal_periods]
    return forecast


class _EtsOnOrigins:
    """ETS on a rolling origin: parameters estimated once on the first training window, then the model is run
    (smoothed, not refitted) on each longer window. No later data leaks into the parameters, and it costs one fit
    instead of one per origin."""

    def __init__(self):
        self.params = None

    def __call__(self, y: np.ndarray, m: int, horizon: int) -> np.ndarray:
        if self.params is None:
            self.params = ets_fit_params(y, m)
        return ets_point_forecast(y, m, self.params, horizon)


def ets_forecast(y: np.ndarray, m: int, horizon: int, params=None) -> pd.DataFrame:
    """ETS forecasts for 1..horizon steps with 80% and 95% intervals: columns mean, lo80, hi80, lo95, hi95.

    ``params`` (from an earlier fit of the same model form) skips the estimation. The interval uses the analytic
    forecast variance of class-1 (additive) ETS models (Hyndman et al. 2008, table 6.1; fpp3 table 8.8):
    var[h] = sigma^2 * (1 + sum_{j=1}^{h-1} c_j^2), c_j = alpha + beta * (phi + ... + phi^j) + gamma * [j mod m = 0],
    sigma^2 the mean squared one-step residual, as statsmodels' ``get_prediction`` computes it (checked in the tests).
    """
    y = np.asarray(y, dtype=float)
    model = _ets_model(y, m)
    if params is None or len(params) != len(model.param_names):
        params = ets_fit_params(y, m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted, _ = model.smooth(np.asarray(params), return_raw=True)
    sigma2 = float(np.mean((y - np.asarray(fitted, dtype=float)) ** 2))
    named = dict(zip(model.param_names, np.asarray(params, dtype=float)))
    alpha = named["smoothing_level"]
    beta = named.get("smoothing_trend", 0.0) if model.has_trend else 0.0
    gamma = named.get("smoothing_seasonal", 0.0) if model.has_seasonal else 0.0
    phi = named.get("damping_trend", 1.0) if model.damped_trend else 1.0
    j = np.arange(1, horizon)
    phi_sums = np.cumsum(phi ** np.arange(1, horizon)) if horizon > 1 else np.array([])
    seasonal_hit = (j % model.seasonal_periods == 0) if model.has_seasonal else np.zeros(len(j), dtype=bool)
    c = alpha + beta * phi_sums + gamma * seasonal_hit
    sd = np.sqrt(sigma2 * np.concatenate([[1.0], 1.0 + np.cumsum(c ** 2)]))
    mean = ets_point_forecast(y, m, params, horizon)
    return pd.DataFrame({"mean": mean, "lo80": mean - Z80 * sd, "hi80": mean + Z80 * sd,
                         "lo95": mean - Z95 * sd, "hi95": mean + Z95 * sd})


def _naive_point(y: np.ndarray, m: int, horizon: int) -> np.ndarray:
    return seasonal_naive(y, m, horizon)[0]


def rolling_origin_accuracy(
    y: np.ndarray, m: int, horizon: int, min_train: int, origins: int = ROLLING_ORIGINS,
    models: dict | None = None,
) -> pd.DataFrame:
    """MASE and MAE of each model forecasting up to ``horizon`` steps from each of the last ``origins`` origins.

    Every model is scored on the same errors' positions; the MASE scale is the mean absolute seasonal difference
    (lag ``m``) of the first training window, so the models share one yardstick. NaN when that scale is 0 (a series
    that repeats exactly).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    models = models or {SEASONAL_NAIVE: _naive_point, ETS: _EtsOnOrigins()}
    first_origin = max(min_train, n - origins)
    if first_origin >= n:
        raise StocktakeError("Too little history to check forecast accuracy.")
    train0 = y[:first_origin]
    scale = float(np.mean(np.abs(train0[m:] - train0[:-m]))) if len(train0) > m else float("nan")
    rows = []
    for name, predict in models.items():
        errors = []
        failed = False
        for origin in range(first_origin, n):
            steps = min(horizon, n - origin)
            try:
                predicted = predict(y[:origin], m, steps)
            except Exception:  # an ETS fit that fails at one origin makes the model unscorable, not the page
                failed = True
                break
            errors.extend(np.abs(y[origin:origin + steps] - predicted))
        mae = float(np.mean(errors)) if errors and not failed else float("nan")
        mase = mae / scale if scale and scale > 0 and not np.isnan(mae) else float("nan")
        rows.append({"model": name, "mase": mase, "mae": mae, "errors": 0 if failed else len(errors)})
    return pd.DataFrame(rows)


def forecast_series(history: pd.DataFrame, grain: str, horizon: int = 6) -> ForecastResult:
    """Forecast a series of complete periods (``history`` with columns period, value) ``horizon`` periods ahead.

    Raises StocktakeError when there are fewer than MIN_HISTORY periods. With fewer than two full seasons plus a few
    periods to check against, the models drop the seasonal part and a message says so.
    """
    if not 1 <= horizon <= 24:
        raise StocktakeError("Forecast between 1 and 24 periods ahead.")
    history = history[["period", "value"]].sort_values("period").reset_index(drop=True)
    n = len(history)
    unit = periods.GRAIN_UNITS.get(grain, "periods")
    if n < MIN_HISTORY:
        raise StocktakeError(
            f"Too little history to forecast: {n} complete {unit}; at least {MIN_HISTORY} are needed. "
            "Widen the period or choose a finer grain."
        )
    messages: list[str] = []
    m = periods.SEASON_LENGTH.get(grain, 1)
    if m > 1 and n < 2 * m + 4:
        messages.append(
            f"Only {n} complete {unit}: too few to learn a seasonal pattern (that needs {2 * m + 4}), so both models "
            f"leave seasonality out and the baseline is 'same as the last {unit[:-1]}'."
        )
        m = 1
    y = history["value"].to_numpy(dtype=float)
    min_train = max(2 * m, 8) if m > 1 else max(6, n - ROLLING_ORIGINS)
    ets_scorer = _EtsOnOrigins()
    accuracy = rolling_origin_accuracy(y, m, horizon, min_train=min(min_train, n - 1),
                                       models={SEASONAL_NAIVE: _naive_point, ETS: ets_scorer})
    last = pd.Timestamp(history["period"].iloc[-1])
    future = []
    start = last
    for _ in range(horizon):
        start = periods.period_end(start, grain)
        future.append(start)
    frames = []
    mean, sd = seasonal_naive(y, m, horizon)
    frames.append(pd.DataFrame({
        "model": SEASONAL_NAIVE, "mean": mean, "lo80": mean - Z80 * sd, "hi80": mean + Z80 * sd,
        "lo95": mean - Z95 * sd, "hi95": mean + Z95 * sd,
    }))
    try:
        # One estimation per forecast: the parameters fitted on the first training window of the accuracy
        # check are reused on the whole series. They were estimated without the last few periods; the level,
        # trend and season states are still updated through every period.
        ets = ets_forecast(y, m, horizon, params=ets_scorer.params)
        ets.insert(0, "model", ETS)
        frames.append(ets)
    except Exception as exc:  # statsmodels can fail on odd series; the baseline still stands
        messages.append(f"The ETS model could not be fitted to this series ({type(exc).__name__}); "
                        "only the seasonal naive forecast is shown.")
    forecast = pd.concat(frames, ignore_index=True)
    for col in ("lo80", "lo95", "mean"):
        forecast[col] = forecast[col].clip(lower=0)  # counts cannot go below zero
    forecast.insert(1, "period", future * len(frames))
    forecast.insert(2, "label", [periods.period_label(p, grain) for p in forecast["period"]])
    forecast.insert(3, "step", list(range(1, horizon + 1)) * len(frames))
    history = history.assign(label=[periods.period_label(p, grain) for p in history["period"]])
    if accuracy["mase"].isna().all() and (accuracy["errors"] > 0).any():
        messages.append("The series repeats itself exactly, so accuracy cannot be scaled (MASE is undefined).")
    return ForecastResult(history[["period", "label", "value"]], forecast, accuracy, m, messages)


def verdict(result: ForecastResult) -> str | None:
    """Which model to trust, in a sentence, when both could be scored on past data (None otherwise)."""
    ets, naive = result.mase(ETS), result.mase(SEASONAL_NAIVE)
    if np.isnan(ets) or np.isnan(naive):
        return None
    return ("ETS did better than the baseline." if ets < naive else
            "ETS did no better than the simple baseline: trust the baseline.")


def demand_forecast(con, dataset: store.Dataset, filters: Filters, grain: str = "month",
                    horizon: int = 6, coverage=None, volume: pd.DataFrame | None = None) -> ForecastResult:
    """Forecast the filtered record count: complete periods only (a partial first or last period is dropped).

    ``volume`` is ``figures.volume_over_time(…, grain)`` without a split, when the caller has it already.
    """
    if volume is None:
        volume = figures.volume_over_time(con, dataset, filters, grain, coverage=coverage)
    complete = volume[~volume["incomplete"]]
    # Periods with no records inside the span are real zeros: fill the gaps so the seasonal lag lines up.
    if complete.empty:
        raise StocktakeError("There are no complete periods to forecast from: widen the period.")
    all_periods = [pd.Timestamp(complete["period"].min())]
    while all_periods[-1] < pd.Timestamp(complete["period"].max()):
        all_periods.append(periods.period_end(all_periods[-1], grain))
    history = pd.DataFrame({"period": all_periods}).merge(
        complete[["period", "count"]].rename(columns={"count": "value"}), on="period", how="left"
    ).fillna({"value": 0})
    return forecast_series(history, grain, horizon)
