# The verbs a newcomer types. CI runs `make test`, exactly as the README says.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin

export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export TOUCHPOINT_DBT_TARGET := published
# A machine may forbid writing bytecode (PYTHONDONTWRITEBYTECODE=1, as the development machine
# does): every Python process then compiles each module it imports from source again, a sixth
# of `touchpoint run`'s CPU on the hand-made folder (61.9 -> 49.3 CPU s, D065). The verbs
# below let Python keep its .pyc files (in .venv and in the ignored __pycache__ folders).
unexport PYTHONDONTWRITEBYTECODE

# The embedded demo: a simulated company, built into .touchpoint/
DEMO_DIR := $(CURDIR)/.touchpoint/demo
DEMO_CUSTOMERS ?= 5000
DEMO_DAYS ?= 365
DEMO_SEED ?= 42
export TOUCHPOINT_LANDING_DIR ?= $(DEMO_DIR)/landing
export TOUCHPOINT_WAREHOUSE ?= $(CURDIR)/.touchpoint/warehouse/touchpoint.duckdb
DASHBOARD_PORT ?= 8501
DAGSTER_PORT ?= 3000
DOCS_PORT ?= 8080

.PHONY: help install demo pipeline serve docs test test-fast lint format clean

help:  ## list the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: $(VENV)/.installed  ## create .venv from the lock file (idempotent)

demo: install  ## demo company -> full pipeline -> dashboards + Dagster UI + dbt docs on localhost
	@scripts/demo_landing.sh "$(DEMO_DIR)" $(DEMO_CUSTOMERS) $(DEMO_DAYS) $(DEMO_SEED)
	$(BIN)/touchpoint run
	@scripts/docs.sh generate
	@$(MAKE) --no-print-directory serve

pipeline: install  ## run the pipeline once on $$TOUCHPOINT_LANDING_DIR
	$(BIN)/touchpoint run

serve: install  ## serve the dashboards, the Dagster UI + daemon and the dbt docs (Ctrl-C stops them all)
	@scripts/serve.sh $(DASHBOARD_PORT) $(DAGSTER_PORT) $(DOCS_PORT)

docs: install  ## regenerate the dbt docs (lineage: sources -> marts -> metrics -> pages) and serve them
	@scripts/docs.sh generate
	@scripts/docs.sh serve $(DOCS_PORT)

# Two workers (CI has 2 cores); tests of one shared build stay on one worker (tests/conftest.py).
PYTEST_WORKERS ?= 2

test: install  ## the whole test suite (installs what it needs)
	@scripts/install_debian_package.sh chromium chromium "the browser tests"
	@scripts/install_debian_package.sh java openjdk-17-jre-headless "the Spark tests"
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=30

test-fast: install  ## tests that run no pipeline, no dbt and no browser (<= 3 min)
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow and not browser and not spark"

lint: install  ## ruff + sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project/models

clean:  ## remove built state (keeps .venv)
	rm -rf .touchpoint dbt_project/target dbt_project/logs .dagster_home/storage .dagster_home/logs .dagster_home/history .dagster_home/schedules
