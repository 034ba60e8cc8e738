# fidelite: the README's two commands (demo, test) and the developer targets.
# Everything installs into a local virtualenv ($(VENV)); a fresh machine needs only
# Python 3.11+, pip and a Rust toolchain.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
PLUGINS := $(wildcard plugins/*/pyproject.toml)
RUST_SOURCES := $(shell find rust -name '*.rs' -o -name Cargo.toml) pyproject.toml

.PHONY: demo test build build-test bench lint fmt docs clean wheel

demo: build
	$(VENV)/bin/fidelite demo

test: build-test
	cd rust && cargo test -q -p fidelite-kernels
	$(PY) -m pytest -q

bench: build-test
	$(PIP) install "lifetimes>=0.11"  # the summary's third peer (not needed by the tests)
	$(PY) tests/benchmarks/bench.py $(BENCH_ARGS)

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip "maturin>=1.9,<2"

# release build of the extension, installed in editable mode with the runtime extras
build: $(VENV)/.built
$(VENV)/.built: $(RUST_SOURCES) | $(PY)
	rm -f python/fidelite/_core.cpython-*.so  # a version-specific build left over would shadow the abi3 one
	$(VENV)/bin/maturin develop --release -q --extras all
	touch $@

# the same build plus the test extras and the example plugins
build-test: $(VENV)/.built-test
$(VENV)/.built-test: $(VENV)/.built $(PLUGINS)
	$(VENV)/bin/maturin develop --release -q --extras all,test
	$(if $(PLUGINS),$(PIP) install --no-deps $(foreach p,$(PLUGINS),-e $(dir $(p))))
	touch $@

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
