# The two commands: `make demo` (set up and run the example site) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
MANAGE := $(BIN)/python example_site/manage.py
# The demo runs with DEBUG on, which is what lets it use the published demo keys.
DEMO_ENV := DJANGO_DEBUG=1

.PHONY: help install demo demo-setup test lint format docs messages worker clean

help:
	@echo "make demo        set up the example site (SQLite, demo content) and serve it on $(HOST):$(PORT)"
	@echo "make demo-setup  the same without serving (idempotent; honours DATABASE_URL)"
	@echo "make test        run the whole test suite (DATABASE_URL picks SQLite or PostgreSQL)"
	@echo "make lint        ruff check and format check"
	@echo "make docs        build the documentation with warnings as errors"
	@echo "make messages    refresh and compile the Czech translation catalogue"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,docs,dev]"
	touch $@

install: $(VENV)/.installed

demo-setup: install
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) load_demo

demo: demo-setup
	@echo "Mail the site sends is written to ./outbox/ (one file per message)."
	$(DEMO_ENV) $(MANAGE) runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: install
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

messages: install
	cd wagtail_gdpr_mail && ../$(BIN)/django-admin makemessages -l cs --no-obsolete && ../$(BIN)/django-admin compilemessages -l cs

worker: install
	cd example_site && $(DEMO_ENV) ../$(BIN)/celery -A example_site worker -l info

clean:
	rm -rf $(VENV) build dist *.egg-info docs/_build .pytest_cache .ruff_cache
