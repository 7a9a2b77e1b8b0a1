# The two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint typecheck pytest translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d enquiry/translations -f --statistics 2>&1 | tail -n 3

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o enquiry/translations/messages.pot .
	$(BIN)/pybabel update -i enquiry/translations/messages.pot -d enquiry/translations --no-fuzzy-matching

run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask init --no-input
	$(BIN)/flask run-all --host $(HOST) --port $(PORT)

test: $(DEV_STAMP) translations lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check enquiry tests wsgi.py
	$(BIN)/ruff format --check enquiry tests wsgi.py

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) translations
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
