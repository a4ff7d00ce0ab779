# make setup   create .venv, install symnet (editable, with test extras) and Graphviz's dot
# make demo    run the seed walkthrough
# make test    run the test suite
# make lint    ruff lint and format check, and mypy;  make format  fix the first two
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint format clean

setup:
	PYTHON=$(PYTHON) bash scripts/setup.sh

demo: setup
	$(BIN)/python examples/seed_walkthrough.py

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache .hypothesis demo-output
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
