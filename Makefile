# The two commands: `make run` and `make test`. Everything else is a helper for them.
# The interpreter: the first whose email package has the header-injection fix (gh-121650:
# CPython 3.11.10+, 3.12.5+, 3.13+), from PATH or pyenv. `make PYTHON=/path/to/python3` overrides.
FLOOR_CHECK := import sys; v = sys.version_info[:3]; ok = v >= (3, 12, 5) or (3, 11, 10) <= v < (3, 12); \
	print(sys.executable) if ok else sys.exit(1)
CANDIDATES := python3.14 python3.13 python3.12 python3.11 python3 \
	$(sort $(wildcard $(HOME)/.pyenv/versions/3.1*/bin/python3))
PYTHON ?= $(firstword $(foreach p,$(CANDIDATES),$(shell $(p) -c '$(FLOOR_CHECK)' 2>/dev/null)))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint typecheck pytest translations extract-messages clean

# A .venv made by an older interpreter is rebuilt: its email package would be too old.
ifneq ($(wildcard $(BIN)/python),)
ifeq ($(shell $(BIN)/python -c '$(FLOOR_CHECK)' 2>/dev/null),)
$(info .venv runs a Python without the e-mail header fix: rebuilding it)
$(shell rm -rf $(VENV))
endif
endif

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Enquiry needs CPython 3.11.10+, 3.12.5+ or 3.13+ (the e-mail header fix); none found. Install one, or run make PYTHON=/path/to/python3"; exit 1; }
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
	$(BIN)/flask retention run
	$(BIN)/flask demo load --if-empty
	$(BIN)/flask init --no-input
	$(BIN)/flask run-all --host $(HOST) --port $(PORT)

test: $(DEV_STAMP) translations lint typecheck pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check enquiry tests bench wsgi.py
	$(BIN)/ruff format --check enquiry tests bench wsgi.py

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

pytest: $(DEV_STAMP) translations
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
