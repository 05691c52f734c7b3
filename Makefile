# WeBox: `make run` starts everything on the embedded defaults; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# What these targets run on a developer's machine is the local profile; pytest picks the test
# profile itself (pyproject.toml), and a deployment names the production one (docs/deploy.md).
LOCAL := DJANGO_SETTINGS_MODULE=config.settings.local

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
	$(LOCAL) $(PY) manage.py compilemessages

# Without REDIS_URL the channel layer keeps its messages in a SQLite file of its own ("channels").
migrate: messages
	mkdir -p "$${VAR_DIR:-var}"
	$(LOCAL) $(PY) manage.py migrate --noinput
	[ -n "$${REDIS_URL:-}" ] || $(LOCAL) $(PY) manage.py migrate --noinput --database channels

seed: migrate
	$(LOCAL) $(PY) manage.py seed_demo

run: seed
	$(LOCAL) PORT=$(PORT) $(PY) manage.py run_all --port $(PORT)

# Browser tests run in a pytest process of their own (see conftest.py). The app boundaries
# (.importlinter, docs/architecture.md) are checked first: under a second, and a broken one stops CI.
test: install-dev
	$(VENV)/bin/lint-imports --no-cache
	bin/install-system-deps
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf var
