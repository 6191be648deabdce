# CSDL KH&CN data platform. `make demo` and `make test` work on a fresh clone with only Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export CSDL_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: install chromium demo test ui bench-refresh bench-queries bench-ingest mutation clean

install: $(VENV)/.installed

# One line per step, and uv's own progress (packages resolved, downloaded, installed) below each.
$(VENV)/.installed: pyproject.toml
	@echo "[1/3] virtual environment $(VENV) (Python from $(PYTHON))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "[2/3] uv, the installer"
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on uv
	@echo "[3/3] csdl-khcn and its dependencies (a few minutes the first time)"
	@$(BIN)/uv pip install --compile-bytecode --python $(BIN)/python -e '.[dev]'
	@touch $@ && echo "installed: $(BIN)/csdl"

$(DAGSTER_HOME)/dagster.yaml: instance/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp instance/dagster.yaml $@

# Generate the small demo, serve it on loopback, run national_refresh, print what was published.
# CSDL_DEMO_FAULTS=0.2 make demo: the simulator fails 20% of its pages (5xx, slow, cut short, served twice).
demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/csdl demo

# ruff first: a lint or format error fails the run before the tests start (`ruff format .` and
# `ruff check --fix .` mend most)
test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The quality-report test renders the page in headless Chromium: Debian's package, installed when missing.
chromium:
	@test -x /usr/bin/chromium || { SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

# The Dagster UI on 127.0.0.1:3000: `dg dev` loads the project of pyproject.toml's [tool.dg] (the code location
# `csdl`) with the instance of $(DAGSTER_HOME)/dagster.yaml, and runs the daemon (schedules, sensors, freshness).
# Runs started there read the sources from .dlt/ or the environment; to use the demo simulator, start
# `csdl serve-sources` in another terminal (its key is the default below).
ui: install $(DAGSTER_HOME)/dagster.yaml
	SOURCES__MINISTRIES__API_KEY=$${SOURCES__MINISTRIES__API_KEY:-demo-key} VIRTUAL_ENV=$(CURDIR)/$(VENV) \
	  $(BIN)/dg dev --host 127.0.0.1 --port 3000

# National-scale figures (not part of the tests): full/incremental refresh vs plain DuckDB; analyst query latency.
bench-refresh: install
	$(BIN)/python bench/refresh.py --scale national

bench-queries: install
	$(BIN)/python bench/queries.py

# Ingest rows/s per source family at the national scale, against DuckDB reading the same payload.
bench-ingest: install
	$(BIN)/python bench/ingest.py

# Mutation score of the modules that write published data (a benchmark, not a CI gate; hours on 2 cores).
# MUTATION_MODULES=sources/cursors.py,warehouse/publish.py make mutation: only those.
mutation: install
	$(BIN)/python bench/mutation.py $(if $(MUTATION_MODULES),--modules $(MUTATION_MODULES))

clean:
	rm -rf data
