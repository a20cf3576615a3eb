# Everything runs inside .venv, created and filled on first use (nothing to install by hand).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2
PYTEST_WORKERS ?= 2

.PHONY: install demo test readme clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

demo: install
	$(BIN)/keras-cnns demo

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 tests

readme: install
	$(BIN)/keras-cnns table --update README.md

clean:
	rm -rf $(VENV) runs .pytest_cache
