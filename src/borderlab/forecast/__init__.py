"""Forecasting with uncertainty: posterior calibration (ABC-SMC), backtests, early warning."""
