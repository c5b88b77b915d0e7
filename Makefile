# Timeback: `make run` sets everything up and serves the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev install test lint format typecheck migrations-check pytest worker beat \
        bench-roster bench-events bench-dashboards bench-qti bench-case compat-venv compat clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

## run: set up (venv, install, migrate, demo data, credentials) and serve on http://$(HOST):$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

dev: run

## test: lint, format check, types, migrations check, the whole pytest suite
test: install lint typecheck migrations-check pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy .

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

# pytest exits 5 when it collected no test; that is not a failure of the suite.
pytest: install
	@if [ -x .venv-compat/bin/python ] && [ -z "$$TIMEBACK_COMPAT_PYTHON" ]; then \
	  export TIMEBACK_COMPAT_PYTHON=$(CURDIR)/.venv-compat/bin/python; fi; \
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then rc=0; fi; exit $$rc

## worker / beat: Celery processes for production-like runs (REDIS_URL must be set)
worker: install
	$(BIN)/celery -A timeback worker -Q ingest,default --loglevel=INFO

beat: install
	$(BIN)/celery -A timeback beat --loglevel=INFO

## bench-roster: 200k users / 1M enrollments import vs raw COPY, and API page latency (PostgreSQL)
bench-roster: install
	$(PY) bench/roster_bench.py

## bench-events: Caliper ingest (2 gunicorn workers) and the Celery pipeline on PostgreSQL +
## Redis: accepted/processed events/s, event-to-rollup delay, single POST latency, raw COPY.
## Refreshes the figures in docs/benchmarks.md; BENCH_EVENTS_ARGS="--duration 120" etc.
BENCH_EVENTS_ARGS ?=
bench-events: install
	$(PY) bench/events.py --write-docs $(BENCH_EVENTS_ARGS)

## bench-dashboards: student, developer and staff pages over a district's rollups of 10M events
## (PostgreSQL): server time p50/p95/p99 and queries per page, the slowest query's plan.
## Refreshes the figures in docs/benchmarks.md; BENCH_DASHBOARDS_ARGS="--requests 100" etc.
BENCH_DASHBOARDS_ARGS ?=
bench-dashboards: install
	$(PY) bench/dashboards_bench.py --write-docs $(BENCH_DASHBOARDS_ARGS)

## bench-qti: import a 5,000-item QTI package (items/s, time by phase, vs lxml parse and raw
## COPY) and score 100,000 responses on one core (responses/s, p50/p99) on PostgreSQL.
## Refreshes the figures in docs/benchmarks.md; BENCH_QTI_ARGS="--responses 20000" etc.
BENCH_QTI_ARGS ?=
bench-qti: install
	$(PY) bench/qti_bench.py --write-docs $(BENCH_QTI_ARGS)

## bench-case: import a generated 10,000-item CASE framework on PostgreSQL (first import,
## the same again, one item changed, export; vs raw COPY). Refreshes docs/benchmarks.md.
BENCH_CASE_ARGS ?=
bench-case: install
	$(PY) bench/case_bench.py --write-docs $(BENCH_CASE_ARGS)

## compat-venv: a Python >= 3.12 virtualenv with the official client (timeback-core)
compat-venv:
	bash scripts/compat_venv.sh

compat: install compat-venv
	TIMEBACK_COMPAT_PYTHON=$(CURDIR)/.venv-compat/bin/python $(BIN)/pytest -m compat tests/compat

clean:
	rm -rf $(VENV) .venv-compat .pytest_cache .ruff_cache .mypy_cache staticfiles
