# Two commands a newcomer needs: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test dev bench soak lock install clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check --quiet
	touch $(STAMP)

install: $(STAMP)

# Benchmark-only packages (dlt and duckdb, the alternative measured beside the connector), pinned to the
# same versions as everything else.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) requirements-bench.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-bench.lock
	touch $(BENCH_STAMP)

demo: $(STAMP)
	$(BIN)/ml-connector demo

test: $(STAMP)
	$(BIN)/python -m pytest

dev: $(STAMP)
	$(BIN)/ml-connector dev

# Run by hand, not in CI: throughput, requests per order and memory beside the alternatives (see benchmarks/).
bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py

# Run by hand, not in CI: a fault-injection soak of every flow, SIGKILLs included; about 20 minutes on 2 cores
# (`.venv/bin/python benchmarks/soak.py --quick` for a short one). Ends with `soak syncs=… lost=0 duplicated=0 stale=0`.
soak: $(STAMP)
	$(BIN)/python benchmarks/soak.py

# Regenerates the lock after a change to pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements.lock
	uv pip compile pyproject.toml --extra dev --extra bench -c requirements.lock --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes -o requirements-bench.lock

clean:
	rm -rf $(VENV) .ml-connector
