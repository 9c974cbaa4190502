# The two set-up commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# pytest-xdist workers for the suite: on 2 cores, three overlap one test's waits (subprocesses, sleeps, the
# browser) with the others' work; tests/parallel.py keeps what they bind and write apart.
TEST_WORKERS ?= 3

.PHONY: run test fast lint bench clean

$(VENV)/.run-deps: requirements.txt
	@PYTHON=$$(scripts/find-python) && { test -x $(PY) || $$PYTHON -m venv $(VENV); }
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	@$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@

## run: install, migrate, create the first administrator, start Redis, the AWS simulation, Celery and the console
run: $(VENV)/.run-deps
	@scripts/system-deps $(if $(REDIS_URL),,redis-server)
	@$(PY) manage.py serve

# axe-core (the browser tests' accessibility check), pinned in tests/package.json, from the npm registry.
AXE := tests/node_modules/axe-core/axe.min.js
$(AXE): tests/package.json
	@scripts/system-deps npm
	@cd tests && npm install --no-audit --no-fund --no-package-lock --silent
	@touch $@

## test: lint, the whole suite (browser tests and the run-command smoke test included) on SQLite, then
## the tests that depend on database behaviour again on a private PostgreSQL
test: $(VENV)/.dev-deps $(AXE)
	@scripts/system-deps redis-server chromium postgresql
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -n $(TEST_WORKERS) --durations=12
	@echo "== PostgreSQL leg: the tests marked 'database' on Debian's PostgreSQL"
	scripts/with-postgres $(PY) -m pytest -m database -p no:cacheprovider

## fast: the unit tests alone (no AWS simulation, browser, worker or fault), for the edit-test loop
fast: $(VENV)/.dev-deps
	$(PY) -m pytest -m unit -q -p no:randomly

lint: $(VENV)/.dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.dev-deps
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) var
