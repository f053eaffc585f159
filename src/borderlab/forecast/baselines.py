"""Statistical baselines on the observed weekly series, the bar the simulator must clear.

A simulator earns its keep in early warning only if it forecasts better than a model that
knows nothing about orchestrators and guards. The baselines see just the weekly series
reconstructed from the figures known at the forecast date (`observed_series.py`):

- **naive**: next weeks = last week (statsforecast `SeasonalNaive` with a season of one
  week — a six-month crisis has no seasonal cycle for a longer season to repeat);
- **ETS**: `AutoETS` (error–trend–seasonality state-space model, chosen by AICc);
- **ARIMA**: `AutoARIMA`.

Each gives prediction intervals; the 10 %, 30 %, 50 %, 70 % and 90 % central intervals are
the quantiles 0.05, 0.15, …, 0.95, used as a 10-member quantile ensemble (levels (i − ½)/10,
the usual quantile approximation of the CRPS). Counts cannot be negative: members are
clipped at 0.
"""

from __future__ import annotations

import os
import warnings

import numpy as np

BASELINES = ("naive", "ETS", "ARIMA")
LEVELS = (10, 30, 50, 70, 90)            # central intervals → quantiles 0.05, 0.15, …, 0.95
MIN_WEEKS = {"naive": 1, "ETS": 4, "ARIMA": 6}   # fewer weeks of history: the model is not fitted


def quantile_members(lo_hi: dict[int, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """[horizons, 10] quantile ensemble from {level: (lower, upper)} interval arrays."""
    lows = [lo_hi[lv][0] for lv in sorted(LEVELS, reverse=True)]     # 0.05, 0.15, …, 0.45
    highs = [lo_hi[lv][1] for lv in sorted(LEVELS)]                  # 0.55, …, 0.95
    return np.maximum(np.column_stack(lows + highs), 0.0)


def _model(name: str):
    from statsforecast.models import AutoARIMA, AutoETS, SeasonalNaive

    return {"naive": lambda: SeasonalNaive(season_length=1, alias="naive"),
            "ETS": lambda: AutoETS(season_length=1, alias="ETS"),
            "ARIMA": lambda: AutoARIMA(season_length=1, alias="ARIMA")}[name]()


def forecast_baselines(history: np.ndarray, weeks: int, names=BASELINES) -> dict[str, np.ndarray]:
    """{baseline: [weeks, 10] quantile ensemble} for the weeks after `history` (weekly sums,
    oldest first); baselines without enough history are left out."""
    import pandas as pd

    os.environ.setdefault("NIXTLA_ID_AS_COL", "1")
    from statsforecast import StatsForecast

    history = np.asarray(history, dtype=float)
    out: dict[str, np.ndarray] = {}
    for name in names:
        if len(history) < MIN_WEEKS[name]:
            continue
        frame = pd.DataFrame({"unique_id": "s", "ds": np.arange(1, len(history) + 1), "y": history})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fc = StatsForecast(models=[_model(name)], freq=1, n_jobs=1).forecast(df=frame, h=weeks,
                                                                                    level=list(LEVELS))
            except Exception:  # noqa: BLE001  (statsforecast raises several kinds for series it cannot fit)
                continue   # a model that cannot be fitted to this series is no baseline for it
        lo_hi = {lv: (fc[f"{name}-lo-{lv}"].to_numpy(float), fc[f"{name}-hi-{lv}"].to_numpy(float)) for lv in LEVELS}
        members = quantile_members(lo_hi)
        if np.all(np.isfinite(members)):
            out[name] = members
    return out
