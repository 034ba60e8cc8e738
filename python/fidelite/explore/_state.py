"""The explorer's controller: parameters, cached results and drill-down, without widgets.

:class:`ExplorerState` builds the :class:`~fidelite.EventLog` once; a parameter change
only reruns the kernels of what is asked for next (results are cached per parameter set).
Everything goes through the public API, so the state can be driven and tested headless.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import io, plugins, query
from .._deps import loaded
from ..cache import Cache
from ..calendar import PERIODS, ROLLING_US, to_instant
from ..exceptions import MissingTableError, ParameterError
from ..metrics.activity import period_kpis, rolling_active
from ..metrics.crm import campaigns
from ..metrics.lifecycle import lifecycle
from ..metrics.retention import COHORT_MODES, CRITERIA, MEASURES, retention
from ..metrics.states import at_risk, retention_patterns, rfm
from ..metrics.subscriptions import revenue_retention
from ..plugins import IndexList, IndexResult
from ..results import (
    CampaignResult,
    LifecycleResult,
    RetentionMatrix,
    RevenueRetention,
    RFMResult,
    SegmentedRetention,
    TableResult,
)

#: The retention parameters the explorer controls, and their defaults.
DEFAULTS: dict[str, Any] = {
    "period": "month",
    "criterion": "on",
    "measure": "customers",
    "cohort": "first",
    "window": "calendar",
    "offset0": "cohort",
    "brackets": None,
    "start_event": None,
    "return_event": None,
    "segment": None,
    "bins": None,
    "segment_value": None,
    "as_of": None,
}
#: The parameters chosen from :meth:`ExplorerState.options` (``brackets`` and ``bins`` are
#: free text, ``segment_value`` and ``as_of`` are checked on their own).
CHOICES = ("period", "measure", "criterion", "cohort", "window", "offset0", "start_event", "return_event", "segment")
_LABEL_ROLES = ("event", "product", "channel")
_NUMERIC_ROLES = ("amount", "duration")
#: Bins of a numeric segment attribute when none are given: its quartiles.
DEFAULT_BINS = 4
_CACHE_SIZE = 12


def _is_label_column(col: Any) -> bool:
    """Whether a customers-table column holds labels (strings, categories, booleans)."""
    arr = io.to_arrow(col)
    pa = loaded("pyarrow")
    if arr is not None and pa is not None:
        return bool(pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_boolean(arr.type))
    values = np.asarray(col)
    if values.dtype.kind in "USb":
        return True
    if values.dtype.kind == "O":
        sample = [v for v in values[:1000] if v is not None]
        return bool(sample) and all(isinstance(v, str) for v in sample)
    return False


def _is_numeric_column(col: Any) -> bool:
    """Whether a customers-table column holds numbers (not booleans, not instants)."""
    arr = io.to_arrow(col)
    pa = loaded("pyarrow")
    if arr is not None and pa is not None:
        return bool(pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type))
    return np.asarray(col).dtype.kind in "iuf"


def parse_bins(value: Any) -> int | tuple[float, ...] | None:
    """The bins of a numeric segment attribute from their text: one whole number is a
    number of quantile bins (``"4"``: quartiles), several numbers are edges
    (``"18, 25, 35, 50"``); ``""`` or None: the default (:data:`DEFAULT_BINS` quantiles).

    >>> parse_bins("4"), parse_bins("18, 25 35.5"), parse_bins("")
    (4, (18.0, 25.0, 35.5), None)
    """
    if value is None or isinstance(value, (int, tuple)):
        return value
    if isinstance(value, (list, np.ndarray)):
        return tuple(float(v) for v in value)
    words = str(value).replace(",", " ").split()
    if not words:
        return None
    try:
        numbers = [float(w) for w in words]
    except ValueError:
        raise ParameterError(
            f"bins are a number of quantile bins (4) or edges separated by commas (18, 25, 35); got {value!r}"
        ) from None
    if len(numbers) == 1:
        if not numbers[0].is_integer() or numbers[0] < 1:
            raise ParameterError(f"one number of bins is a whole number of quantile bins >= 1, e.g. 4; got {value!r}")
        return int(numbers[0])
    return tuple(numbers)


def parse_brackets(value: Any) -> tuple[int, ...] | None:
    """Bracket widths from a list or its text (``"1, 6, 23"``; ``""`` or None: no brackets).

    >>> parse_brackets("1, 6 23"), parse_brackets("")
    ((1, 6, 23), None)
    """
    if value is None:
        return None
    if isinstance(value, str):
        words = value.replace(",", " ").split()
        if not words:
            return None
        if not all(w.isdigit() for w in words):
            raise ParameterError(f"brackets are whole widths separated by commas, e.g. 1, 6, 23; got {value!r}")
        value = [int(w) for w in words]
    return tuple(query.positive_ints("brackets", value))


def clip(matrix: RetentionMatrix, max_cohorts: int, max_offsets: int) -> tuple[RetentionMatrix, int]:
    """The latest ``max_cohorts`` cohorts and the first ``max_offsets`` offsets of
    ``matrix`` (averages stay those of the full matrix), and the index of its first row."""
    k, b = matrix.counts.shape
    r0, cols = max(0, k - max_cohorts), min(b, max_offsets)
    if r0 == 0 and cols == b:
        return matrix, 0
    out = copy.copy(matrix)
    for name in ("counts", "rates", "complete", "ci_low", "ci_high"):
        value = getattr(matrix, name)
        if value is not None:
            setattr(out, name, value[r0:, :cols])
    out.sizes, out.cohorts, out.cohort_labels = matrix.sizes[r0:], matrix.cohorts[r0:], matrix.cohort_labels[r0:]
    out.offsets, out.offset_labels, out.average = (
        matrix.offsets[:cols],
        matrix.offset_labels[:cols],
        matrix.average[:cols],
    )
    return out, r0


class ExplorerState:
    """Parameters and results of the explorer, independent of any widget toolkit.

    Parameters
    ----------
    data : an :class:`~fidelite.EventLog` or anything it accepts (built once, here).
    customers, surveys, contacts, subscriptions : optional tables (signup cohorts,
        segments, and the inputs of the loyalty indices).
    programme : the loyalty programme's rows (join / earn / redeem / tier), optional.
    tiers : the programme's tier thresholds (name -> points), optional: they order the
        tier migration and list the members near their next tier.
    signup : the customers-table column of the signup date (``cohort="signup"``).
    tz : time zone of the calendar periods (default: the log's).
    max_cohorts, max_offsets : size of the displayed matrix (latest cohorts, first offsets).
    ci : confidence level of the per-cell intervals.
    **columns : the column keywords of :class:`~fidelite.EventLog`.

    >>> import fidelite
    >>> shop = fidelite.datasets.demo_shop(1000, seed=0)
    >>> state = ExplorerState(shop.events, customers=shop.customers)
    >>> state.set(period="quarter", criterion="on_or_after")
    >>> m = state.matrix()
    >>> m.params["period"], m.params["criterion"]
    ('quarter', 'on_or_after')
    >>> len(state.cell_customers()) == state.cell_info()["count"]
    True
    """

    def __init__(
        self,
        data: Any,
        *,
        customers: Any = None,
        surveys: Any = None,
        contacts: Any = None,
        subscriptions: Any = None,
        programme: Any = None,
        tiers: Mapping[str, float] | None = None,
        signup: str = "created",
        tz: str | None = None,
        max_cohorts: int = 36,
        max_offsets: int = 36,
        ci: float = 0.95,
        **columns: Any,
    ) -> None:
        self.log, self.tz = query.log_of(data, tz, columns)
        self.tables = {"customers": customers, "surveys": surveys, "contacts": contacts, "subscriptions": subscriptions}
        self.programme = programme
        self.tiers = tiers
        self._ctable = io.read_table(customers, what="customers table") if customers is not None else None
        self.signup = signup
        self.customer_col = "customer_id"
        self.max_cohorts, self.max_offsets, self.ci = int(max_cohorts), int(max_offsets), float(ci)
        self.params: dict[str, Any] = dict(DEFAULTS)
        self.as_of_us = self.log.t_max
        self._selected: tuple[str, int] | None = None
        self._segments: tuple[Any, ...] | None = None
        self._numeric: frozenset[str] = frozenset()
        #: The results computed so far, by parameters (see :meth:`cached`).
        self.cache = Cache(_CACHE_SIZE)

    # ------------------------------------------------------------------ parameters
    def options(self, name: str) -> tuple[Any, ...]:
        """The values parameter ``name`` may take now (they depend on the data and on
        the other parameters: revenue measures need an amount column and sum cells with
        the ``"on"`` criterion; signup cohorts need a customers table)."""
        if name == "period":
            return PERIODS
        if name == "criterion":
            return CRITERIA if self.params["measure"] == "customers" else ("on",)
        if name == "measure":
            return MEASURES if self.log.has("amount") else ("customers",)
        if name == "cohort":
            has_signup = self._ctable is not None and self.signup in self._ctable.columns
            return COHORT_MODES if has_signup else tuple(m for m in COHORT_MODES if m != "signup")
        if name == "window":
            return ("calendar", "rolling") if self.params["period"] in ROLLING_US else ("calendar",)
        if name == "offset0":
            return ("cohort", "return")
        if name in ("start_event", "return_event"):
            return (None, *self.log.labels("event")) if self.log.has("event") else (None,)
        if name == "segment":
            if self._segments is None:
                roles = tuple(r for r in _LABEL_ROLES if self.log.has(r))
                attrs: tuple[str, ...] = ()
                numeric: tuple[str, ...] = ()
                if self._ctable is not None:
                    skip = {self.customer_col, self.signup}
                    cols = [(c, v) for c, v in self._ctable.columns.items() if c not in skip]
                    attrs = tuple(c for c, v in cols if _is_label_column(v))
                    numeric = tuple(c for c, v in cols if c not in attrs and _is_numeric_column(v))
                numeric += tuple(r for r in _NUMERIC_ROLES if self.log.has(r) and r not in numeric)
                taken = {*roles, *attrs, *numeric}
                derived = tuple(a for a in query.attributes.names() if a not in taken)  # plugins
                self._numeric = frozenset(numeric)
                self._segments = (None, *roles, *(a for a in attrs if a not in roles), *numeric, *derived)
            return self._segments
        if name == "segment_value":
            result = self.retention()
            return tuple(result.segments) if isinstance(result, SegmentedRetention) else (None,)
        raise ParameterError(f"unknown explorer parameter {name!r}: use one of {', '.join(DEFAULTS)}")

    def set(self, **changes: Any) -> None:
        """Change parameters (``period``, ``criterion``, ``measure``, ``cohort``,
        ``window``, ``offset0``, ``brackets``, ``start_event``, ``return_event``,
        ``segment``, ``bins``, ``segment_value``, ``as_of``) together; nothing changes if one is invalid.

        ``segment`` applies to every tab (each shows its metric per segment); ``bins``
        (a number of quantile bins or edges, or their text ``"18, 25, 35"``) cuts a numeric
        segment attribute, :data:`DEFAULT_BINS` quantile bins when None; it is ignored for
        a label attribute.

        A revenue measure implies ``criterion="on"``; a period of no fixed length (quarter,
        year) implies ``window="calendar"``; a new ``segment`` selects its first value.
        ``brackets`` is None, a list of widths or their text (``"1, 6, 23"``; empty: none).
        ``start_event`` / ``return_event`` are event types (None: any event).
        ``as_of`` is a date, datetime or ISO string (None = latest event).
        """
        new = dict(self.params)
        unknown = [k for k in changes if k not in DEFAULTS]
        if unknown:
            raise ParameterError(f"unknown explorer parameter(s) {unknown}: use {', '.join(DEFAULTS)}")
        new.update(changes)
        if "brackets" in changes:
            new["brackets"] = parse_brackets(changes["brackets"])
        if "bins" in changes:
            new["bins"] = parse_bins(changes["bins"])
        if new["measure"] != "customers" and "criterion" not in changes:
            new["criterion"] = "on"
        if new["period"] not in ROLLING_US and "window" not in changes:
            new["window"] = "calendar"
        as_of_us = self.log.t_max if new["as_of"] is None else to_instant(new["as_of"], self.tz)
        if as_of_us < self.log.t_min:
            raise ParameterError(f"as_of {new['as_of']} is before the first event; pick a later date")
        old, old_as_of = self.params, self.as_of_us
        self.params, self.as_of_us = new, as_of_us
        try:
            for name in CHOICES:
                if new[name] not in self.options(name):
                    allowed = ", ".join(map(repr, self.options(name)))
                    raise ParameterError(f"{name}={new[name]!r} is not available here: use one of {allowed}")
            if new["segment"] != old["segment"] and "segment_value" not in changes:
                new["segment_value"] = None
            if new["segment"] is not None:
                values = self.options("segment_value")
                if new["segment_value"] not in values:
                    if "segment_value" in changes:
                        raise ParameterError(
                            f"segment_value={new['segment_value']!r} is not a value of "
                            f"{new['segment']!r}: use one of {', '.join(map(repr, values))}"
                        )
                    new["segment_value"] = values[0]
            else:
                new["segment_value"] = None
        except Exception:
            self.params, self.as_of_us = old, old_as_of
            raise

    @property
    def segment_numeric(self) -> bool:
        """Whether the chosen segment attribute is numeric (cut into bins)."""
        self.options("segment")
        return self.params["segment"] in self._numeric

    def segment_kw(self) -> dict[str, Any]:
        """The ``segment=`` / ``bins=`` keywords of the chosen segment for any metric
        (empty without one): a numeric attribute is cut by ``bins``."""
        seg = self.params["segment"]
        if seg is None:
            return {}
        if self.segment_numeric:
            bins = self.params["bins"]
            spec = DEFAULT_BINS if bins is None else bins if isinstance(bins, int) else list(bins)
            return {"segment": seg, "bins": {seg: spec}}
        return {"segment": seg}

    # ------------------------------------------------------------------ cache
    def cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The result of ``compute()`` for ``key``, computed once and kept for the most
        recent keys."""
        return self.cache.get(key, compute)

    @property
    def as_of(self) -> np.datetime64:
        """The as-of instant in force (UTC)."""
        return np.datetime64(self.as_of_us, "us")

    def _retention_key(self) -> tuple[Any, ...]:
        p = self.params
        return ("retention", *(p[n] for n in DEFAULTS if n not in ("segment_value", "as_of")), self.as_of_us)

    # ------------------------------------------------------------------ retention
    def retention(self) -> RetentionMatrix | SegmentedRetention:
        """The full retention result for the current parameters (cached)."""
        p = self.params

        def compute() -> Any:
            return retention(
                self.log,
                period=p["period"],
                criterion=p["criterion"],
                measure=p["measure"],
                cohort=p["cohort"],
                window=p["window"],
                offset0=p["offset0"],
                brackets=None if p["brackets"] is None else list(p["brackets"]),
                start_event=p["start_event"],
                return_event=p["return_event"],
                **self.segment_kw(),
                as_of=self.as_of,
                tz=self.tz,
                customers=self.tables["customers"],
                signup=self.signup,
                ci=self.ci if p["measure"] == "customers" else None,
            )

        return self.cached(self._retention_key(), compute)

    def matrix(self) -> RetentionMatrix:
        """The matrix on display: the whole result, or the selected segment value's."""
        result = self.retention()
        if isinstance(result, SegmentedRetention):
            return result[self.params["segment_value"]]
        return result

    def shown(self) -> tuple[RetentionMatrix, int]:
        """The displayed part of :meth:`matrix` (latest cohorts, first offsets) and the
        row of the full matrix its first row is."""
        return clip(self.matrix(), self.max_cohorts, self.max_offsets)

    # ------------------------------------------------------------------ cell selection
    @property
    def cell(self) -> tuple[int, int] | None:
        """(row, column) of the selected cell in :meth:`matrix`; None when it is empty.

        The selection is kept as a cohort label and an offset, so it survives parameter
        changes that keep them; otherwise it falls back to the first displayed cohort at
        offset 1.
        """
        m = self.matrix()
        k, b = m.counts.shape
        if k == 0:
            return None
        if self._selected is not None:
            label, j = self._selected
            if label in m.cohort_labels and j < b:
                return m.cohort_labels.index(label), j
        return max(0, k - self.max_cohorts), min(1, b - 1)

    def select(self, cohort: int | str, offset: int) -> None:
        """Select cell (cohort, offset): a row index or a cohort label, and an offset index."""
        m = self.matrix()
        k = m.cohort_labels.index(cohort) if isinstance(cohort, str) and cohort in m.cohort_labels else cohort
        if isinstance(k, str) or not isinstance(k, (int, np.integer)) or not 0 <= k < m.counts.shape[0]:
            shown = ", ".join(m.cohort_labels[:3])
            raise ParameterError(f"no cohort {cohort!r}: use a row index or a cohort label such as {shown}")
        if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or not 0 <= offset < m.counts.shape[1]:
            raise ParameterError(f"offset {offset!r} is outside 0..{m.counts.shape[1] - 1}")
        self._selected = (m.cohort_labels[int(k)], int(offset))

    def cell_info(self) -> dict[str, Any]:
        """Cohort, offset, size, count (or value), rate, CI and completeness of the selected cell."""
        cell = self.cell
        if cell is None:
            raise ParameterError("the matrix is empty: no cell to select (is as_of before every cohort?)")
        m, (k, j) = self.matrix(), cell
        info: dict[str, Any] = {
            "cohort": m.cohort_labels[k],
            "offset": m.offset_labels[j],
            "row": k,
            "column": j,
            "size": int(m.sizes[k]),
            "rate": float(m.rates[k, j]),
            "complete": bool(m.complete[k, j]),
            "measure": m.measure,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "ci": m.ci_level,
        }
        if m.measure == "customers":
            info["count"] = int(m.counts[k, j])
        else:
            info["value"] = float(m.counts[k, j])
        if m.ci_low is not None:
            info["ci_low"], info["ci_high"] = float(m.ci_low[k, j]), float(m.ci_high[k, j])  # type: ignore[index]
        return info

    def cell_customers(self) -> TableResult:
        """The customers counted in the selected cell (see
        :meth:`fidelite.RetentionMatrix.customers`: every semantics of the matrix)."""
        cell = self.cell
        if cell is None:
            raise ParameterError("the matrix is empty: no cell to drill into")
        k, j = cell
        key = self._retention_key() + ("cell", self.params["segment_value"], k, j)
        return self.cached(key, lambda: self.matrix().customers(k, j))

    # ------------------------------------------------------------------ other tabs
    def lifecycle(self) -> LifecycleResult:
        """Lifecycle per period (new / returning / resurrected / dormant), cached."""
        p = self.params
        return self.cached(
            ("lifecycle", p["period"], self.as_of_us),
            lambda: lifecycle(self.log, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    def kpis(self) -> TableResult:
        """:func:`fidelite.period_kpis` per period (active base, retention, churn, revenue)."""
        p = self.params
        return self.cached(
            ("kpis", p["period"], self.as_of_us),
            lambda: period_kpis(self.log, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    def rolling(self, window: str = "30D") -> TableResult:
        """:func:`fidelite.rolling_active`: customers active in the trailing ``window``, per day."""
        return self.cached(
            ("rolling", window, self.as_of_us),
            lambda: rolling_active(self.log, window=window, as_of=self.as_of, tz=self.tz),
        )

    def rfm(self) -> RFMResult:
        """:func:`fidelite.rfm` at as-of (needs an amount column)."""
        return self.cached(("rfm", self.as_of_us), lambda: rfm(self.log, as_of=self.as_of, tz=self.tz))

    def at_risk(self) -> TableResult:
        """:func:`fidelite.at_risk` at as-of, ranked by revenue (default factor; lapsed after
        3 of the periods in force, as the report counts them)."""
        p = self.params
        return self.cached(
            ("at_risk", p["period"], self.as_of_us),
            lambda: at_risk(self.log, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    def patterns(self) -> TableResult:
        """:func:`fidelite.retention_patterns` per period at as-of."""
        p = self.params
        return self.cached(
            ("patterns", p["period"], self.as_of_us),
            lambda: retention_patterns(self.log, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    def table(self, name: str, what: str) -> Any:
        """The optional table ``name`` the explorer was given, else a
        :class:`~fidelite.exceptions.MissingTableError` saying ``what`` needs it."""
        table = self.tables[name]
        if table is None:
            raise MissingTableError(f"needs the {name} table for {what} (pass {name}=... to explore)")
        return table

    def campaigns(self) -> CampaignResult:
        """:func:`fidelite.campaigns` of the contacts table against the log, per period, at
        as-of (attribution and activity windows: the defaults)."""
        contacts, p = self.table("contacts", "the campaign KPIs"), self.params
        return self.cached(
            ("campaigns", p["period"], self.as_of_us),
            lambda: campaigns(contacts, events=self.log, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    def revenue_retention(self) -> RevenueRetention:
        """:func:`fidelite.revenue_retention` of the subscriptions table per period, at the
        explorer's as-of (the latest event by default, as every tab) and in its zone."""
        subscriptions, p = self.table("subscriptions", "revenue retention"), self.params
        return self.cached(
            ("revenue_retention", p["period"], self.as_of_us),
            lambda: revenue_retention(subscriptions, period=p["period"], as_of=self.as_of, tz=self.tz),
        )

    # ------------------------------------------------------------------ indices
    def index_list(self) -> IndexList:
        """Every registered loyalty index, built-in and from plugins (read afresh: a plugin
        registered after the explorer was built shows up)."""
        return plugins.indices()

    def index(self, name: str) -> IndexResult:
        """Index ``name`` computed from the log and the tables the explorer was given
        (default parameters; cached). Raises what :func:`fidelite.compute_index` raises,
        e.g. :class:`~fidelite.exceptions.MissingTableError` for a table it was not given."""
        given = {t: v for t, v in self.tables.items() if v is not None}
        return self.cached(("index", name), lambda: plugins.compute_index(name, events=self.log, **given))
