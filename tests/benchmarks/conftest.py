"""The benchmark is run by ``make bench`` (tests/benchmarks/bench.py), never by pytest."""

collect_ignore_glob = ["*"]
