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

# The main job: a 3-minute hardware-aware search on the digits, then the winner retrained, exported to int8
# and scored on the held-out digits.
DEMO_ARGS ?= --data digits --family resnet --minutes 3 --trials 50 --epochs 10 --max-size-kb 30 --retrain-epochs 30

demo: install
	$(BIN)/keras-cnns tune $(DEMO_ARGS) --out runs/demo --overwrite

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 tests

readme: install
	$(BIN)/keras-cnns table --update README.md

clean:
	rm -rf $(VENV) runs .pytest_cache
