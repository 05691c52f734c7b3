# WeBox: `make run` starts everything on the embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test install install-dev messages migrate seed lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change, so a second `make run` starts in seconds.
$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP)-dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

install: $(STAMP)

install-dev: $(STAMP)-dev

# Translations are compiled with Babel (no GNU gettext needed); see docs/i18n.md.
messages: install
	$(PY) manage.py compilemessages

migrate: messages
	mkdir -p var
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	PORT=$(PORT) $(PY) manage.py run_all

# Browser tests run in a pytest process of their own (see conftest.py).
test: install-dev
	bin/install-system-deps
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .

clean:
	rm -rf var
