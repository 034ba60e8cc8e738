"""Writes lifetimes_cdnow_summaries.csv: lifetimes' summaries of the CDNOW transactions.

``summary_data_from_transaction_data`` over the whole sample and
``calibration_and_holdout_data`` with calibration 1997-01-01 to 1997-09-30 and holdout to
1998-06-30, in days scaled to weeks (``freq="D", freq_multiplier=7``, the CDNOW tables) and
in calendar weeks (``freq="W"``), with the amounts as monetary values. Run it in a
virtualenv with lifetimes (see make_lifetimes_reference.py):

    python -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes==0.11.3 "pandas<2.3" "numpy<2.1" scipy
    /tmp/lt/bin/python tests/data/make_lifetimes_summaries.py

One row per customer (``customer_id``, the first column of CDNOW_sample.txt), one column
per (variant, lifetimes column), e.g. ``D7_cal_frequency_cal`` or ``W_full_recency``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

warnings.simplefilter("ignore")
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data  # noqa: E402

HERE = Path(__file__).parent
tx = pd.read_csv(
    HERE / "CDNOW_sample.txt", sep=r"\s+", header=None, names=["customer_id", "sample_id", "date", "cds", "amount"]
)
tx["date"] = pd.to_datetime(tx["date"].astype(str), format="%Y%m%d")

frames = []
for name, freq, multiplier in (("D7", "D", 7), ("W", "W", 1)):
    full = summary_data_from_transaction_data(
        tx, "customer_id", "date", monetary_value_col="amount", freq=freq, freq_multiplier=multiplier
    )
    cal = calibration_and_holdout_data(
        tx,
        "customer_id",
        "date",
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq=freq,
        freq_multiplier=multiplier,
        monetary_value_col="amount",
    )
    frames.append(full.add_prefix(f"{name}_full_"))
    frames.append(cal.add_prefix(f"{name}_cal_"))
out = pd.concat(frames, axis=1).sort_index()
out.index.name = "customer_id"
out.to_csv(HERE / "lifetimes_cdnow_summaries.csv", float_format="%.12g")
