"""UNHCR series the way Flee 3.1 reads them, and Flee's error measures (hand-checked)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from borderlab.flee.validation import (add_tables, ard, correct_registrations, interpolate_days, relative_errors,
                                       series_rows, total_error)


def test_rows_are_day_offsets_and_hasten_scaled_counts():
    start = dt.date(2020, 1, 10)
    rows = series_rows([(dt.date(2020, 1, 8), 30), (dt.date(2020, 1, 12), 55)], start, hasten=10)
    assert rows.tolist() == [[-2.0, 3.0], [2.0, 5.5]]


def test_interpolation_truncates_and_holds_ends():
    table = np.array([[2.0, 10.0], [6.0, 30.0], [8.0, 31.0]])
    # before the first row: the first value; between rows: linear, truncated; after: the last
    assert interpolate_days(table, 11).tolist() == [10, 10, 10, 15, 20, 25, 30, 30, 31, 31, 31]
    assert interpolate_days(np.array([[0.0, 7.9]]), 3).tolist() == [7, 7, 7]


def test_add_tables_pairs_rows_as_flee_does():
    t1 = np.array([[0.0, 1.0], [5.0, 2.0], [10.0, 3.0]])
    t2 = np.array([[0.0, 10.0], [7.0, 20.0]])
    # day 0: 10 + 1; day 5 (only in t1): last t2 value 10 + 2; day 7 (only in t2): 20 + t1's
    # next value 3; t1's day 10 comes after t2's last row and is dropped (Flee's AddCSVTables)
    assert add_tables(t1, t2).tolist() == [[0.0, 11.0], [5.0, 12.0], [7.0, 23.0]]


def test_registration_correction_rescales_earlier_rows():
    table = np.array([[0.0, 100.0], [10.0, 200.0], [20.0, 150.0], [30.0, 160.0]])
    assert correct_registrations(table, 20) == (1, False)
    # rows before day 20 × 150/200
    assert table[:, 1].tolist() == [75.0, 150.0, 150.0, 160.0]
    assert correct_registrations(table, 25) == (0, False)


def test_errors_and_ard():
    sim = np.array([[10, 0], [12, 5]])
    data = np.array([[8, 0], [12, 10]])
    assert relative_errors(sim, data).tolist() == [[0.25, 0.0], [0.0, 0.5]]
    tot = total_error(sim, data, np.array([20, 0]))
    assert tot.tolist() == [pytest.approx(2 / 20), 0.0]       # no UNHCR total yet → 0, as Flee prints
    assert ard(np.array([0.1, 0.3])) == pytest.approx(0.2)
