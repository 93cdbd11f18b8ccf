# Penghubung: `make up` runs the system, `make test` tests it. Needs Python >= 3.11 and make.

VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
ARGS ?=
SOAK_ARGS ?= --requests 2000

# The first of these that is Python >= 3.11; override with `make PYTHON=/path/to/python3.12`.
PYTHON ?= $(shell for p in python3 python3.11 python3.12 python3.13 python3.14; do \
	command -v $$p >/dev/null 2>&1 \
	&& $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.DEFAULT_GOAL := help
.PHONY: help venv up test test-integration lint demo soak bench lock clean

help:
	@echo "make up                run the whole system (embedded PostgreSQL and NATS under ./var"
	@echo "                       unless PENGHUBUNG_DATABASE_URL / PENGHUBUNG_NATS_URL are set)"
	@echo "make test              the whole test suite"
	@echo "make test-integration  only the tests that need real servers"
	@echo "make lint              ruff check, ruff format --check, mypy --strict"
	@echo "make demo              push requests through every step of a running system"
	@echo "make bench             the benchmarks, each figure beside its baseline (ARGS=--quick:"
	@echo "                       under 2 minutes); not part of make test"
	@echo "make soak              2,000 requests through the whole SOP on a system of its own,"
	@echo "                       then the log, the bus and the views must agree (SOAK_ARGS=...)"
	@echo "make venv              create $(VENV) and install requirements.lock and the project"
	@echo "make lock              rewrite requirements.lock from $(VENV)"
	@echo "make clean             remove caches and build output (keeps $(VENV) and var/)"

venv: $(STAMP)

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "make: Python >= 3.11 is needed (none found on PATH; set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Re-installs whenever the lock file or the project's metadata changes.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet -e . --no-deps
	@touch $@

up: venv
	$(BIN)/penghubung up

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-integration: venv
	$(BIN)/python -m pytest tests/integration tests/e2e $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p penghubung -p intake -p disposition -p integration -p reporting -p directory

demo: venv
	$(BIN)/python -m penghubung.demo

soak: venv
	$(BIN)/python -m penghubung.soak $(SOAK_ARGS)

bench: venv
	$(BIN)/python -m penghubung.bench $(ARGS)

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
	find . \( -path ./$(VENV) -o -path ./var \) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
