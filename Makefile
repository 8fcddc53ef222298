# The two set-up commands of the README: `make site` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROFILE ?= auto
PYTEST_ARGS ?=

.PHONY: site test test-fast data lint clean

site: $(VENV)/.runtime-installed
	$(BIN)/bench data fetch
	$(BIN)/bench build-site --profile $(PROFILE) --models-dir bench/skeleton/models

data: $(VENV)/.runtime-installed
	$(BIN)/bench data fetch

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The edit-test loop: everything but the tests marked slow in tests/conftest.py (real
# trainings, browsers, Ray clusters, frameworks in subprocesses). CI runs `make test`.
test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[train]"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.runtime-installed

clean:
	rm -rf $(VENV) public .pytest_cache .ruff_cache
