"""NumPy arrays as Arrow columns without pyarrow's pandas probe (reporting/arrow_columns.py)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from borderlab.reporting.arrow_columns import date_column, numeric_column, string_column


def test_strings_are_the_labels_their_codes_name():
    labels = ["PL", "LT", "Łódź", ""]
    col = string_column(labels, np.array([2, 0, 0, 3, 1]))
    assert col.type == pa.string()
    assert col.to_pylist() == ["Łódź", "PL", "PL", "", "LT"]
    assert col.null_count == 0
    assert string_column(labels, np.array([], dtype=np.int64)).to_pylist() == []
    assert string_column([], np.array([], dtype=np.int64)).to_pylist() == []


def test_numbers_keep_their_values_and_take_the_type_asked_for():
    col = numeric_column(np.array([1.5, np.nan, -2.0]))
    assert col.type == pa.float64() and col.null_count == 0
    assert col.to_pylist()[0] == 1.5 and np.isnan(col.to_pylist()[1]) and col.to_pylist()[2] == -2.0
    ints = numeric_column(np.arange(6)[::2], np.int32)   # a strided view is copied, not misread
    assert ints.type == pa.int32() and ints.to_pylist() == [0, 2, 4]


def test_dates_are_days():
    days = np.array(["1969-12-31", "2021-08-01", "2021-11-30"], dtype="datetime64[D]")
    col = date_column(days)
    assert col.type == pa.date32()
    assert col.to_pylist() == [dt.date(1969, 12, 31), dt.date(2021, 8, 1), dt.date(2021, 11, 30)]


def test_columns_equal_what_pa_array_builds():
    codes = np.array([1, 1, 0, 2])
    labels = ["all", "PL", "LT"]
    assert string_column(labels, codes).equals(pa.array([labels[c] for c in codes], pa.string()))
    values = np.linspace(0, 1, 7)
    assert numeric_column(values).equals(pa.array(values, pa.float64()))


def test_building_and_writing_a_table_does_not_import_pandas(tmp_path):
    code = f"""
import json, sys
import numpy as np, pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
from borderlab.reporting.arrow_columns import date_column, numeric_column, string_column
t = pa.table({{"date": date_column(np.array(["2021-08-01", "2021-08-02"], dtype="datetime64[D]")),
               "scope": string_column(["PL", "LT"], np.array([0, 1])),
               "value": numeric_column(np.array([1.0, 2.0]))}})
pq.write_table(t, {str(tmp_path / "t.parquet")!r})
pacsv.write_csv(t, {str(tmp_path / "t.csv")!r})
print(json.dumps("pandas" in sys.modules))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) is False
    assert (tmp_path / "t.csv").read_text().splitlines() == ['"date","scope","value"', '2021-08-01,"PL",1',
                                                             '2021-08-02,"LT",2']


@pytest.mark.parametrize("bad", [np.array([0, 2]), np.array([-1]), np.array([-5])])
def test_a_code_outside_the_labels_is_refused(bad):
    with pytest.raises(IndexError):
        string_column(["a", "b"], bad)
