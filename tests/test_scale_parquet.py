"""Out of core (issue 14): a Parquet dataset spilled by customer to Arrow IPC partitions,
bounded by memory_limit, its temporary files removed whatever happens (an error, a
KeyboardInterrupt), the row accounting summed, a progress bar when asked."""

from __future__ import annotations

import numpy as np
import pytest

import fidelite
from fidelite import scale
from fidelite.exceptions import InputError, ParameterError
from fidelite.scale.parquet import SpilledLog, parse_bytes


@pytest.fixture(scope="module")
def events():
    ev = fidelite.datasets.demo_shop(400, seed=7, frame="pandas").events
    ev["customer_id"] = "id-" + ev["customer_id"].astype(str)
    return ev


@pytest.fixture(scope="module")
def dataset(events, tmp_path_factory):
    root = tmp_path_factory.mktemp("events")
    (root / "year=all").mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(events)), 4)):
        events.iloc[chunk].to_parquet(root / "year=all" / f"{i}.parquet", index=False)
    return root


def test_a_spilled_log_answers_many_queries_and_accounts_for_every_row(events, dataset, tmp_path):
    with SpilledLog(dataset, n_partitions=5, batch_size=500, spill_dir=tmp_path) as log:
        assert len(log.paths) == 5 and all(p.parent.parent == tmp_path for p in log.paths)
        whole = fidelite.EventLog(events)
        assert (
            (log.report.read, log.report.used) == (whole.report.read, whole.report.used) == (len(events), len(events))
        )
        np.testing.assert_array_equal(log.run(fidelite.retention).counts, fidelite.retention(events).counts)
        np.testing.assert_array_equal(
            log.run(fidelite.lifecycle, period="week").new, fidelite.lifecycle(events, period="week").new
        )
    assert not list(tmp_path.iterdir())


def test_a_glob_is_a_dataset_too(events, dataset, tmp_path):
    got = fidelite.retention(str(dataset / "*" / "*.parquet"), spill_dir=tmp_path, n_partitions=2)
    np.testing.assert_array_equal(got.counts, fidelite.retention(events).counts)
    with pytest.raises(InputError, match="no Parquet file in"):
        fidelite.retention(str(dataset / "nothing-*.parquet"))


def test_memory_limit_sets_the_number_of_partitions(dataset, tmp_path):
    small = SpilledLog(dataset, memory_limit="100kB", spill_dir=tmp_path)
    large = SpilledLog(dataset, memory_limit="4GB", spill_dir=tmp_path)
    try:
        assert large.n_partitions == 1 and small.n_partitions > 4
        np.testing.assert_array_equal(small.run(fidelite.retention).counts, large.run(fidelite.retention).counts)
    finally:
        small.close()
        large.close()
    assert parse_bytes("1.5 GiB") == 3 << 29 and parse_bytes(10) == 10
    with pytest.raises(ParameterError, match="memory_limit must be"):
        parse_bytes("lots")


def test_an_error_leaves_no_temporary_file(dataset, tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'perod'"):
        fidelite.retention(str(dataset), perod="month", spill_dir=tmp_path, n_partitions=3)
    assert not list(tmp_path.iterdir())
    with pytest.raises(InputError, match="no column 'cid'"):
        fidelite.retention(str(dataset), customer="cid", spill_dir=tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("where", ["prepare", "query"])
def test_a_keyboard_interrupt_leaves_no_temporary_file(dataset, tmp_path, monkeypatch, where):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "prepare":  # while the spilled partitions are being prepared
        monkeypatch.setattr(fidelite.EventLog, "prepare", interrupt)
    else:  # while a metric runs on them
        monkeypatch.setitem(scale.DECLARATIONS, "retention", scale.Declaration(merge=list, partial=interrupt))
    with pytest.raises(KeyboardInterrupt):
        fidelite.retention(str(dataset), spill_dir=tmp_path, n_partitions=3)
    assert not list(tmp_path.iterdir())


def test_a_progress_bar_when_asked(dataset, tmp_path, capsys):
    fidelite.lifecycle(str(dataset), spill_dir=tmp_path, n_partitions=2, progress=True)
    err = capsys.readouterr().err
    assert "spilling" in err and "preparing" in err
    fidelite.lifecycle(str(dataset), spill_dir=tmp_path, n_partitions=2)  # not a terminal: no bar
    assert capsys.readouterr().err == ""


def test_partials_merge_as_they_come_in_order():
    """A binary counter of merges: partition order kept, few results held at once."""
    from fidelite.scale.parquet import PairwiseMerge

    merging, held = PairwiseMerge(lambda parts: sum(parts, ())), []
    for i in range(13):
        merging.add((i,))
        held.append(len(merging.stack))
    assert merging.result() == tuple(range(13))
    assert max(held) == 3 and held[-1] == 3  # 13 = 8 + 4 + 1
    with pytest.raises(ValueError, match="no partition"):
        PairwiseMerge(list).result()


def test_a_query_holds_few_partitions_in_memory_at_once(dataset, tmp_path, monkeypatch):
    """A retention partial keeps its partition's log (for .customers()): the partials are
    merged as they come, so the partitions' logs are not all alive at the end."""
    import gc
    import weakref

    alive, most = weakref.WeakSet(), []
    with SpilledLog(dataset, n_partitions=6, spill_dir=tmp_path) as log:
        logs = log.logs

        def counted():
            for one in logs():
                gc.collect()
                alive.add(one)
                most.append(len(alive))
                yield one
                del one

        monkeypatch.setattr(log, "logs", counted)
        log.run(fidelite.retention)
    assert len(most) == 6 and max(most) <= 2, most
