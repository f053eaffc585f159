"""Analyses built on runs: observations, (later) validation, calibration, sensitivity."""
