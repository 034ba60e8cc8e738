"""Derived customer attributes (fidelite.query.attributes): the registry that plugins
fill and that ``segment=`` reads after the customers table and the event labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fidelite
from fidelite.exceptions import ParameterError
from fidelite.query import attributes

EVENTS = pd.DataFrame(
    {
        "customer_id": ["V1", "c2", "V1", "c3", "c2"],
        "timestamp": pd.to_datetime(["2024-01-03", "2024-01-09", "2024-02-01", "2024-01-20", "2024-03-02"]),
    }
)


@pytest.fixture
def vip():
    attributes.register(
        "vip", lambda log: ["yes" if str(i).startswith("V") else "no" for i in log.customer_ids], source="test"
    )
    yield
    attributes.unregister("vip")


def test_a_derived_attribute_segments_like_a_customers_table_column(vip):
    by_attribute = fidelite.retention(EVENTS, segment="vip", as_of="2024-03-31")
    table = pd.DataFrame({"customer_id": ["V1", "c2", "c3"], "vip": ["yes", "no", "no"]})
    by_column = fidelite.retention(EVENTS, customers=table, segment="vip", as_of="2024-03-31")
    assert by_attribute.segments == by_column.segments == ["no", "yes"]
    for s in by_column.segments:
        np.testing.assert_array_equal(by_attribute[s].counts, by_column[s].counts)
        np.testing.assert_array_equal(by_attribute[s].sizes, by_column[s].sizes)


def test_customers_table_columns_win_over_a_derived_attribute(vip):
    table = pd.DataFrame({"customer_id": ["V1", "c2", "c3"], "vip": ["a", "a", "b"]})
    assert fidelite.retention(EVENTS, customers=table, segment="vip", as_of="2024-03-31").segments == ["a", "b"]


def test_registry_errors():
    with pytest.raises(ParameterError, match="non-empty string"):
        attributes.register("", lambda log: [])
    with pytest.raises(ParameterError, match="function of the log"):
        attributes.register("x", 3)
    with pytest.raises(ParameterError, match="no derived attribute 'nope'"):
        attributes.derive("nope", fidelite.EventLog(EVENTS))
    attributes.register("short", lambda log: ["a"], source="p1")
    try:
        with pytest.raises(ParameterError, match="already registered by 'p1'"):
            attributes.register("short", lambda log: ["b"], source="p2")
        attributes.register("short", lambda log: ["a"], source="p1")  # a source may replace its own
        with pytest.raises(ParameterError, match=r"returned \(1,\) values; expected one per customer \(3\)"):
            fidelite.retention(EVENTS, segment="short")
    finally:
        attributes.unregister("short")
    assert "short" not in attributes.names()
