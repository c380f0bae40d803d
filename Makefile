# Relance — every target sets itself up: a fresh machine needs python3 (≥ 3.11), make and git.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
HOST ?= 127.0.0.1
PORT ?= 8000
export RELANCE_DATA_DIR ?= $(CURDIR)/data
# The test suite's processes (pytest-xdist): one a core; TEST_JOBS=0 runs it in
# this process (for a debugger). The browser tests share one running Relance
# in order and stay in one process.
TEST_JOBS ?= auto
PO := src/relance/locale/en/LC_MESSAGES/django.po

.PHONY: run test test-browser lint format lock messages screenshots bench clean help

help:
	@echo "make run    install, migrate, load demo data if empty, start Relance on http://$(HOST):$(PORT)"
	@echo "make test   run the test suite (SQLite, or DATABASE_URL), a process a core (TEST_JOBS=0: one)"
	@echo "make lint   ruff"
	@echo "make bench  quick benchmarks (10,000 invoices, SQLite and PostgreSQL if reachable)"
	@echo "make lock   re-pin the dependencies (requirements*.lock) from pyproject.toml"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Relance needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Installs exactly what the lock files pin (with their hashes), then Relance itself.
$(VENV)/.run-installed: requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r requirements.lock
	$(PIP) install --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: requirements-dev.lock requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes --no-deps -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	@touch $(VENV)/.run-installed $@

run: $(VENV)/.run-installed
	$(BIN)/relance init --no-input
	$(BIN)/relance demo --if-empty
	$(BIN)/relance serve --host $(HOST) --port $(PORT)

test: export RELANCE_DATA_DIR = $(CURDIR)/var/test
test: $(VENV)/.dev-installed
	$(BIN)/pytest -m "not browser" -n $(TEST_JOBS) $(PYTEST_ARGS)

# Needs Debian's chromium (.ci/run installs it): `apt-get install chromium`.
test-browser: export RELANCE_DATA_DIR = $(CURDIR)/var/test
test-browser: $(VENV)/.dev-installed
	$(BIN)/pytest -m browser tests/browser $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests bench scripts .ci
	$(BIN)/ruff format --check src tests bench scripts .ci

format: $(VENV)/.dev-installed
	$(BIN)/ruff format src tests bench scripts .ci
	$(BIN)/ruff check --fix src tests bench scripts .ci

# Needs pip-tools; run it in a throwaway environment so the lock never pins itself.
lock:
	rm -rf $(VENV)-lock && $(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install --quiet pip-tools
	$(VENV)-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(VENV)-lock/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev -c requirements.lock \
		-o requirements-dev.lock pyproject.toml
	rm -rf $(VENV)-lock

# docs/screenshots/*.png, taken in Chromium on fresh demo data.
screenshots: $(VENV)/.dev-installed
	$(BIN)/python scripts/screenshots.py

# Full figures (docs/performance.md): bench/run.py --n 10000 100000 1000000
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py --quick --n 10000

# French is the source language; the English catalogue is updated, then compiled.
# Needs GNU gettext (msgfmt), as Django's makemessages does.
messages: $(VENV)/.dev-installed
	cd src/relance && ../../$(BIN)/relance makemessages -l en --ignore "*/migrations/*"
	msgattrib --no-obsolete -o $(PO) $(PO)
	msgfmt --check -o $(PO:.po=.mo) $(PO)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
