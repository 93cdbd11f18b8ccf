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
.PHONY: help venv chromium up test test-integration lint demo soak bench lock clean

help:
	@echo "make up                run the whole system (embedded PostgreSQL and NATS under ./var"
	@echo "                       unless PENGHUBUNG_DATABASE_URL / PENGHUBUNG_NATS_URL are set)"
	@echo "make test              the whole test suite (browser tests too: needs Chromium, see"
	@echo "                       make chromium; PENGHUBUNG_CHROMIUM=/path names another binary)"
	@echo "make test-integration  only the tests that need real servers"
	@echo "make lint              ruff check, ruff format --check, mypy --strict, the layers"
	@echo "                       (lint-imports: the contracts in .importlinter), the AsyncAPI parser"
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

test: venv chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium (Playwright's own download does not work here):
# PENGHUBUNG_CHROMIUM names another binary. Missing: installed as root with apt-get, else one
# clear line and a failure -- never a silent skip.
chromium:
	@if [ -n "$$PENGHUBUNG_CHROMIUM" ]; then \
		test -x "$$PENGHUBUNG_CHROMIUM" || { echo "make: PENGHUBUNG_CHROMIUM=$$PENGHUBUNG_CHROMIUM is not an executable file" >&2; exit 1; }; \
	elif command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium for the browser tests: apt-get install -y chromium"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "make: apt-get could not install chromium; install it or set PENGHUBUNG_CHROMIUM=/path/to/chromium" >&2; exit 1; }; \
	else \
		echo "make: the browser tests need Chromium: run 'sudo apt-get install -y chromium' or set PENGHUBUNG_CHROMIUM=/path/to/chromium" >&2; exit 1; \
	fi

test-integration: venv
	$(BIN)/python -m pytest tests/integration tests/e2e $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p penghubung -p intake -p disposition -p integration -p reporting -p portal -p notices -p directory
	$(BIN)/lint-imports
	@command -v npm >/dev/null 2>&1 || { echo "make lint: Node.js (npm) is needed for the AsyncAPI check: apt-get install -y nodejs npm" >&2; exit 1; }
	cd tools/asyncapi && npm ci --silent --no-audit --no-fund && node validate.mjs ../../docs/asyncapi.json

demo: venv
	$(BIN)/python -m penghubung.demo $(ARGS)

soak: venv
	$(BIN)/python -m penghubung.soak $(SOAK_ARGS)

bench: venv
	$(BIN)/python -m penghubung.bench $(ARGS)

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis *.egg-info
	find . \( -path ./$(VENV) -o -path ./var \) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
