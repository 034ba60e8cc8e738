# fidelite: the README's two commands (demo, test) and the developer targets.
# Everything installs into a local virtualenv ($(VENV)); a fresh machine needs only
# Python 3.11+, pip and a Rust toolchain.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
PLUGINS := $(wildcard plugins/*/pyproject.toml)
# The example plugins are installed for the tests only, in their own folder put on
# PYTHONPATH by `make test` (entry points are found there): never in the venv itself.
TEST_PLUGINS := $(VENV)/test-plugins
# Build and install steps print their output only when they fail (V=1 shows it always).
QUIET = $(if $(V),,> $(VENV)/make.log 2>&1 || { cat $(VENV)/make.log; exit 1; })
RUST_SOURCES := $(shell find rust -name '*.rs' -o -name Cargo.toml) pyproject.toml

.PHONY: demo test test-long fuzz fuzz-python build build-test bench bench-scale lint fmt docs clean wheel

demo: build
	$(VENV)/bin/fidelite demo

test: build-test $(TEST_PLUGINS)/.installed
	cd rust && cargo test -q -p fidelite-kernels
	cd rust/fuzz && cargo test -q --no-default-features  # the committed fuzz inputs, replayed
	PYTHONPATH=$(abspath $(TEST_PLUGINS))$${PYTHONPATH:+:$$PYTHONPATH} $(PY) -m pytest -q

# every metric against its reference implementation on FIDELITE_LONG_EXAMPLES (10,000)
# random logs per property test, none capped (tests/conftest.py, the "long" hypothesis
# profile), the logs biased by tests/strategies.py;
# on both cores (pytest-xdist, a test at a time to whichever worker is free), each test's
# example count printed at the end and, while it runs, appended to $(LONG_PROGRESS) every 500
# examples; a subset: make test-long LONG_ARGS="-k kpis", one core: LONG_ARGS="-n 0"
REFERENCE_TESTS := $(shell grep -lE "^(from|import) (reference|models_reference|strategies)" tests/test_*.py)
LONG_PROGRESS ?= $(VENV)/long-progress.tsv
test-long: build-test
	rm -f $(LONG_PROGRESS)
	HYPOTHESIS_PROFILE=long FIDELITE_LONG_PROGRESS=$(abspath $(LONG_PROGRESS)) $(PY) -m pytest -q -p no:cacheprovider \
	  --timeout=0 -n 2 --dist worksteal --hypothesis-show-statistics $(REFERENCE_TESTS) $(LONG_ARGS)

# cargo-fuzz over every kernel entry point (rust/fuzz, nightly): each target FUZZ_SECONDS,
# niced, one thread, one at a time, growing its corpus in rust/fuzz/corpus/<target>; a crash
# stops here, its input kept in rust/fuzz/artifacts/<target> (kept until you remove it: replay
# it with the command printed, commit it with the fix as rust/fuzz/regressions/<target>/);
# `make test` replays every committed input on stable. Final stats (executions, corpus)
# printed per target.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= calendar cohort activity summary ids layout columns models fit
FUZZ_FLAGS ?= -rss_limit_mb=4096 -max_len=4096 -timeout=20 -print_final_stats=1
fuzz:
	cd rust && for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/artifacts/$$t; \
	  RAYON_NUM_THREADS=1 nice -n 19 cargo +nightly fuzz run --fuzz-dir fuzz $$t -- -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(abspath rust/fuzz/artifacts)/$$t/ $(FUZZ_FLAGS) \
	  || { echo "fuzz target $$t failed; its input: rust/fuzz/artifacts/$$t/ (replay: cd rust &&" \
	       "RAYON_NUM_THREADS=1 cargo +nightly fuzz run --fuzz-dir fuzz $$t fuzz/artifacts/$$t/<file>)"; exit 1; }; \
	done

# atheris over EventLog ingest of odd frames (tests/fuzz/ingest.py), FUZZ_SECONDS, growing
# tests/fuzz/corpus/ingest (a crashing or slow input kept in tests/fuzz/artifacts); `make test`
# replays the committed inputs (tests/test_fuzz_ingest.py)
fuzz-python: build-test
	$(PIP) install "atheris>=2.3" $(QUIET)
	mkdir -p tests/fuzz/corpus/ingest tests/fuzz/artifacts
	nice -n 19 $(PY) tests/fuzz/ingest.py -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -timeout=60 \
	  -artifact_prefix=tests/fuzz/artifacts/ -print_final_stats=1 tests/fuzz/corpus/ingest

bench: build-test
	$(PIP) install "lifetimes>=0.11"  # the summary's third peer (not needed by the tests)
	$(PIP) install pymc-marketing || echo "note: PyMC-Marketing did not install: the predict section skips it"
	$(PY) tests/benchmarks/bench.py $(BENCH_ARGS)

# out of core (~200 M events from Parquet) and Dask against the in-memory path (issue 14)
bench-scale: build-test
	$(PY) tests/benchmarks/scale.py $(SCALE_ARGS)

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip "maturin>=1.9,<2" $(QUIET)

# release build of the extension, installed in editable mode with the runtime extras
build: $(VENV)/.built
$(VENV)/.built: $(RUST_SOURCES) | $(PY)
	rm -f python/fidelite/_core.cpython-*.so  # a version-specific build left over would shadow the abi3 one
	$(VENV)/bin/maturin develop --release -q --extras all $(QUIET)
	touch $@

# the same build plus the test extras and the example plugins
build-test: $(VENV)/.built-test
$(VENV)/.built-test: $(VENV)/.built
	$(VENV)/bin/maturin develop --release -q --extras all,test $(QUIET)
	touch $@

# the example plugins, for the tests only (an older checkout installed them in the venv:
# removed from there)
$(TEST_PLUGINS)/.installed: $(VENV)/.built-test $(PLUGINS) $(shell find plugins -name '*.py' 2>/dev/null)
	rm -rf $(TEST_PLUGINS)
	-$(PIP) uninstall -y $(foreach p,$(PLUGINS),$(notdir $(patsubst %/,%,$(dir $(p))))) > /dev/null 2>&1
	$(if $(PLUGINS),$(PIP) install --no-deps --target $(TEST_PLUGINS) $(foreach p,$(PLUGINS),$(dir $(p))) $(QUIET))
	mkdir -p $(TEST_PLUGINS) && touch $@

lint: build-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	cd rust && cargo fmt --check && cargo clippy -q --all-targets -- -D warnings
	$(PY) -m mypy.stubtest fidelite._core --allowlist .mypy-stubtest-allowlist

fmt: $(VENV)/.built-test
	cd rust && cargo fmt
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix-only .

# the API reference, generated from the docstrings into site/ (mkdocs-material + mkdocstrings,
# installed with the test extras)
docs: build-test
	$(PY) -m mkdocs build --strict --quiet

# the release wheel (abi3: one for every CPython 3.11+) and the sdist, into dist/
wheel: | $(PY)
	$(VENV)/bin/maturin build --release -q --out dist
	$(VENV)/bin/maturin sdist --out dist

clean:
	rm -rf $(VENV) rust/target python/fidelite/*.so site dist
