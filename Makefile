# borderlab: `make demo` runs the built-in default scenario; `make test` runs the tests.
# Both create the virtual environment (.venv) when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench check clean docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/borderlab run belarus-eu-2021 --out runs/belarus-eu-2021

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/borderlab bench

docs: $(STAMP)
	$(BIN)/python docs/generate_scenario_reference.py

clean:
	rm -rf $(VENV) runs .pytest_cache
