# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/fieldapp $(ARGS)

test: $(TEST_STAMP)
	$(BIN)/ruff check fieldapp ui tests
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench.run $(BENCH_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check fieldapp ui tests
	$(BIN)/ruff format --check fieldapp ui tests

format: $(TEST_STAMP)
	$(BIN)/ruff format fieldapp ui tests
	$(BIN)/ruff check --fix fieldapp ui tests

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
