# The two commands of the README: `make run` (everything, then the server) and `make test`.
# Both build .venv from the pinned requirements.txt when it is missing or older than that file.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp

.PHONY: run test stop status venv bench django-suite clean

$(STAMP): requirements.txt
	@echo "==> Preparing $(VENV) from requirements.txt (first run takes about a minute)"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --disable-pip-version-check --quiet --upgrade pip
	@$(PY) -m pip install --disable-pip-version-check --quiet -r requirements.txt
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	@$(PY) -m hospitality.localstack run

test: $(STAMP)
	@$(PY) -m hospitality.localstack test $(PYTEST_ARGS)

stop:
	@test -x $(PY) && $(PY) -m hospitality.localstack down dev || true
	@test -x $(PY) && $(PY) -m hospitality.localstack down test || true

status: $(STAMP)
	@$(PY) -m hospitality.localstack status dev

clean: stop
	rm -rf .local $(VENV)

bench: $(STAMP)
	@$(PY) -m hospitality.localstack up dev
	@$(PY) benchmarks/emulator_bench.py
	@$(PY) benchmarks/backend_bench.py

# Django's own test suite (a subset of apps) on dataapi_backend through the emulator; SUITE_ARGS="--backend both"
# adds the stock postgresql backend on the same apps for comparison.
django-suite: $(STAMP)
	@$(PY) -m hospitality.localstack up test
	@$(PY) django-test-suite/run.py $(SUITE_ARGS); status=$$?; $(PY) -m hospitality.localstack down test; exit $$status
