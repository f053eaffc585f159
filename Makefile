# borderlab: `make demo` runs the built-in default scenario; `make test` runs the tests.
# Both create the virtual environment (.venv) when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the kernels compiled ahead of time (numba.pycc): commands then start without importing numba
KERNELS := src/borderlab/engine/_built/manifest.json
KERNEL_SOURCES := $(wildcard src/borderlab/engine/*.py src/borderlab/models/*.py src/borderlab/flee/kernels.py)

.PHONY: demo test bench check clean docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(KERNELS): $(STAMP) $(KERNEL_SOURCES)
	$(BIN)/python -m borderlab.engine.kernel_build

demo: $(KERNELS)
	$(BIN)/borderlab run belarus-eu-2021 --out runs/belarus-eu-2021

test: $(KERNELS)
	$(BIN)/python -m pytest

bench: $(KERNELS)
	$(BIN)/borderlab bench

docs: $(STAMP)
	$(BIN)/python docs/generate_scenario_reference.py

clean:
	rm -rf $(VENV) runs .pytest_cache src/borderlab/engine/_built
