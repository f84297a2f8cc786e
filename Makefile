# The two commands a new user runs (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo lint test test-slow bench bench-all bench-smt bench-faults bench-startup reports clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/rollproof verify --check-labels models/*.yaml

lint: $(VENV)/.installed-test
	$(BIN)/ruff check verifier tests benchmarks
	$(BIN)/mypy

test: $(VENV)/.installed-test lint
	$(BIN)/python -m pytest -q

test-slow: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m slow

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_explicit.py

bench-all: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_all.py

bench-smt: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_smt.py

bench-faults: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_faults.py

bench-startup: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_startup.py

reports: $(VENV)/.installed
	$(BIN)/python -m verifier.reports.golden --update

clean:
	rm -rf $(VENV) build *.egg-info
