# The two commands of the README: `make run` (everything, then the server) and `make test`.
# Both build .venv from the pinned locks (requirements-dev.txt: the runtime lock requirements.txt plus the test, dev,
# bench, django-suite and compat groups of pyproject.toml), and rebuild it from scratch when a lock changes, so it
# never keeps a package the locks dropped.
SHELL := /bin/bash
# CPython 3.13 (Lambda's current runtime, which the artifact targets) where the machine has it: on the PATH or under
# pyenv (a pyenv shim for an inactive version fails to run, so each candidate is run, not just looked up); else
# python3 (3.11 and 3.12 work too). The venv is rebuilt when the interpreter's version changes.
PYTHON ?= $(shell for p in python3.13 $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null) python3; \
	do $$p -c '' >/dev/null 2>&1 && echo $$p && break; done)
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-$(PYTHON_VERSION).stamp
LOCK_FLAGS := --python-version 3.11 --quiet --custom-compile-command "make lock"

.PHONY: compat dist dist-check refresh-postgresql-core run serve test test-browser chromium stop status venv bench django-suite django-suite-table django-suite-all clean lock package lint

$(STAMP): requirements.txt requirements-dev.txt
	@echo "==> Preparing $(VENV) with Python $(PYTHON_VERSION) from requirements-dev.txt (first run takes about a minute)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else "Python 3.11-3.13 is required (found %s)" % sys.version.split()[0])'
	@rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --disable-pip-version-check --quiet --upgrade pip
	@$(PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	@$(PY) -m devstack run

# The production server (gunicorn, gunicorn.conf.py) against the local stack: what load tests should hit.
serve: $(STAMP)
	@$(PY) -m devstack serve

# Regenerate both locks from pyproject.toml (never edit them by hand); the runtime pins constrain the dev lock.
lock: $(STAMP)
	@$(PY) -m uv pip compile pyproject.toml $(LOCK_FLAGS) -o requirements.txt
	@grep -v '^-e ' requirements.txt > $(VENV)/runtime-pins.txt  # this repository's packages are no constraint
	@$(PY) -m uv pip compile pyproject.toml --group test --group dev --group bench --group django-suite --group compat \
		-c $(VENV)/runtime-pins.txt $(LOCK_FLAGS) -o requirements-dev.txt
	@echo "locks written: requirements.txt (runtime), requirements-dev.txt (everything)"

# The two reusable distributions (packages/django-rds-dataapi, packages/rds-dataapi-emulator): wheel + sdist each, in
# dist/packages/. dist-check installs each wheel alone in a fresh virtualenv on Python 3.11 and 3.13 and runs
# packages/example-project's tests through them against the test stack's PostgreSQL.
dist: $(STAMP)
	@$(PY) -m devstack dist

dist-check: $(STAMP)
	@$(PY) -m devstack dist-check

# dist/lambda.zip: the one Lambda artifact of infrastructure/template.yaml, from the runtime lock only.
package: $(STAMP)
	@$(PY) -m infrastructure.package

# ruff (lint + format check, configured in pyproject.toml) and mypy on the reusable backend and driver.
lint: $(STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy

test: $(STAMP)
	@$(PY) -m devstack test $(PYTEST_ARGS)

# The browser suite alone (make test runs it too when /usr/bin/chromium exists); installs Debian's chromium first.
test-browser: $(STAMP) chromium
	@$(PY) -m devstack test-browser

chromium:
	@test -x /usr/bin/chromium || { echo "==> Installing Debian's chromium (browser tests)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

stop:
	@test -x $(PY) && $(PY) -m devstack down dev || true
	@test -x $(PY) && $(PY) -m devstack down test || true

status: $(STAMP)
	@$(PY) -m devstack status dev

clean: stop
	rm -rf .local $(VENV)

bench: $(STAMP)
	@$(PY) -m devstack prepare
	@$(PY) -m benchmarks.emulator_bench
	@$(PY) -m benchmarks.backend_bench
	@$(PY) -m benchmarks.context_proof_bench
	@$(PY) -m benchmarks.session_pin_bench
	@$(PY) -m benchmarks.transport_bench
	@$(PY) -m benchmarks.gunicorn_bench
	@$(PY) -m benchmarks.durability_bench
	@$(PY) manage.py benchmark --latency-ms 20 --iterations 60 --profile 25
	@$(PY) -m infrastructure.package
	@$(PY) -m benchmarks.cold_start

# Django's own test suite (28 apps; SUITE_ARGS="--all" for every app, as CI runs it) on dataapi_backend through the
# emulator; SUITE_ARGS="--backend both" adds the stock postgresql backend on the same apps for comparison.
# The same on both backends, and the per-app table in docs/django-suite.md regenerated from that run.
django-suite-table:
	@$(MAKE) django-suite SUITE_ARGS="--backend both --table docs/django-suite.md"

# Every app of Django's tests/ (about 18,000 tests) on both backends, and its per-app table, docs/django-suite-all.md.
django-suite-all:
	@$(MAKE) django-suite SUITE_ARGS="--all --backend both --table docs/django-suite-all.md"

django-suite: $(STAMP)
	@$(PY) -m devstack django-suite $(SUITE_ARGS)

# Six third-party apps' own suites (pinned sdists) on the stock postgresql backend, then on dataapi_backend, and the
# matrix with every Data API-only failure by cause in docs/compatibility.md; COMPAT_ARGS="django-reversion" runs one
# (and writes no table).
compat: $(STAMP)
	@$(PY) -m devstack compat $(if $(COMPAT_ARGS),$(COMPAT_ARGS),--table docs/compatibility.md)

# packages/django-rds-dataapi/dataapi_backend/postgresql_core from the installed Django (after a Django upgrade; review the diff)
refresh-postgresql-core: $(STAMP)
	@$(PY) -m dataapi_backend.postgresql_core.refresh
