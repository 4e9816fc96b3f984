# The two commands an analyst needs: `make build` and `make test` (see README.md); `make
# refresh` is the monthly run on a revised extract; `make test-fast` is a contributor's loop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SYNAPSE_VENV := .venv-synapse
OLDEST_DBT_VENV := .venv-dbt-oldest

# dbt has no network here or in most NHS environments: never try to send usage statistics.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

# The bundled demo extract: deterministic, written by the generator in src/apcs_extract. Two
# financial years, so that the first year's patients have their 12 months of follow-up.
DEMO_DIR := data/demo
DEMO_SPELLS ?= 50000
DEMO_SEED ?= 20231201
DEMO_FINANCIAL_YEARS ?= 2
export APCS_DATA_DIR ?= $(CURDIR)/$(DEMO_DIR)

.PHONY: build refresh check test test-fast install install-test install-report demo-data lint \
	python-tests bench bench-54m clean docs docs-serve report chromium

# Everything from scratch: seeds, views, the whole fact, every test.
build: install demo-data
	$(BIN)/dbt build --full-refresh

# The monthly refresh: the fact and the data-quality issues re-process their latest months
# and any new ones (var rfd_back_refresh_lookback_months), older months stay as they are;
# the data tests of the fact and the models before it check the months refreshed. The unit
# tests test the code, not the extract: `make build` and `make test` run them.
refresh: install demo-data
	$(BIN)/dbt build --exclude-resource-type unit_test

# The full check, weekly or on demand: every data test on every month of the last build.
check: install demo-data
	$(BIN)/dbt test

test: install-test build docs report lint chromium python-tests

# A contributor's loop (about 80 s of CPU time): every dbt unit test, then the rule checked
# spell for spell on DuckDB (`pytest -m fast`). A unit test needs its model's parents to exist:
# `--empty` builds the seeds and models it selects with no rows, afresh (a fact whose columns
# have changed is rebuilt, not refused), in a database and target path of their own so that
# the demo build stays as it was. `make test` runs everything.
UNIT_TEST_DATABASE := target/unit_tests.duckdb
test-fast: install-test demo-data
	DBT_DUCKDB_PATH=$(UNIT_TEST_DATABASE) $(BIN)/dbt build --select "+test_type:unit" --empty \
		--full-refresh --exclude-resource-type test --target-path target/unit_tests
	$(BIN)/pytest -m fast

# The DuckDB run needs only the project; the tests add the linters, pytest, the adapters of
# the engines they run (PostgreSQL, Spark with pyspark) and of those they compile for (SQL
# Server, Fabric, Databricks, Snowflake, with sqlglot; Synapse in .venv-synapse), all pinned
# by constraints.txt (and constraints-synapse.txt).
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
install: $(BIN)/.installed
install-test: $(BIN)/.installed-test
install-report: $(BIN)/.installed-report

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed $(SYNAPSE_VENV)/.installed $(OLDEST_DBT_VENV)/.installed
	$(PIP_INSTALL) -e '.[dev,postgres,spark,warehouses,report]'
	touch $@

$(BIN)/.installed-report: $(BIN)/.installed
	$(PIP_INSTALL) -e '.[report]'
	touch $@

# dbt-synapse needs an older dbt-fabric than the warehouses extra: its own environment, used
# by the tests to compile for Synapse.
$(SYNAPSE_VENV)/.installed: constraints-synapse.txt
	$(PYTHON) -m venv $(SYNAPSE_VENV)
	$(SYNAPSE_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-c constraints-synapse.txt dbt-core dbt-synapse
	touch $@

# The oldest dbt-core the package supports (require-dbt-version), with dbt-duckdb and
# dbt-postgres: the integration tests build the host project (integration_tests/) with it.
$(OLDEST_DBT_VENV)/.installed: constraints-dbt-oldest.txt
	$(PYTHON) -m venv $(OLDEST_DBT_VENV)
	$(OLDEST_DBT_VENV)/bin/pip install --quiet --disable-pip-version-check \
		-c constraints-dbt-oldest.txt dbt-core dbt-duckdb dbt-postgres
	touch $@

demo-data: $(DEMO_DIR)/apcs.csv

$(DEMO_DIR)/apcs.csv: $(BIN)/.installed $(wildcard src/apcs_extract/*.py)
	$(BIN)/apcs-extract --spells $(DEMO_SPELLS) --seed $(DEMO_SEED) \
		--financial-years $(DEMO_FINANCIAL_YEARS) --format csv --out $(DEMO_DIR)

# The docs site, offline. The code-list catalogue (docs/code_list_catalogue.md) is rewritten
# from the seeds and the lineage graph, then dbt writes the site to $(DOCS_DIR): index.html
# with manifest.json and catalog.json, and static_index.html, one file holding everything,
# to open from disk or share. The catalog describes the built tables, so this builds first.
# Last, the lineage graph is set to show models, seeds, sources and exposures by default, not
# the tests (dbt has no setting for it; src/rfd_back_docs/lineage_default.py stops the build
# if a dbt upgrade has moved what it sets).
DOCS_DIR := target/docs
DOCS_PORT ?= 8080
docs: build
	$(BIN)/dbt parse --target-path $(DOCS_DIR) --quiet
	$(BIN)/python -m rfd_back_docs.code_list_catalogue \
		--manifest $(DOCS_DIR)/manifest.json --out docs/code_list_catalogue.md
	$(BIN)/dbt docs generate --static --target-path $(DOCS_DIR)
	$(BIN)/python -m rfd_back_docs.lineage_default $(DOCS_DIR)/index.html \
		$(DOCS_DIR)/static_index.html

# Serve the site on http://127.0.0.1:$(DOCS_PORT) (Ctrl-C stops it), as `make docs` left it:
# `dbt docs serve` would first copy dbt's own index.html over it, tests back in the lineage.
docs-serve: docs
	$(BIN)/python -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory $(DOCS_DIR)

# The report: one self-contained HTML file (plotly.js inlined; opens with no network) drawn
# from the published marts of the last build, through dbt, so on any warehouse the profile
# points at (DBT_TARGET). Run `make build` (or your own `dbt build`) first.
REPORT ?= target/report/rfd_back_report.html
report: install-report
	$(BIN)/python -m rfd_back_report --out $(REPORT)

# The browser the docs test drives: Debian's Chromium, never a downloaded one.
chromium:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -q chromium \
		|| (apt-get update -q && apt-get install -y -q chromium)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models tests analyses

python-tests: install-test
	$(BIN)/pytest

# National-scale benchmark (not a test): BENCH_SIZES spells each, on extracts with realistic
# (nearly all distinct) and pooled code lists; results in benchmarks/results.md. bench-54m
# runs three financial years (54M spells) into benchmarks/results_54m.md.
BENCH_SIZES ?= 1000000 6000000 18000000
BENCH_LISTS ?= realistic pooled
bench: install
	$(BIN)/python benchmarks/benchmark.py --sizes $(BENCH_SIZES) --lists $(BENCH_LISTS)

bench-54m: install
	$(BIN)/python benchmarks/benchmark.py --sizes 54000000 --lists realistic \
		--out benchmarks/results_54m.md

clean:
	rm -rf target logs $(DEMO_DIR) integration_tests/target integration_tests/logs \
		integration_tests/dbt_packages
