# Tiến độ: every target sets up what it needs, so a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= 0.1
PYTEST_ARGS ?=

.PHONY: install messages run test worker bench lint loadtest

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Compiled catalogues are generated files: built here, never committed.
messages: install
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

run: messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py loaddemo --force
	$(BIN)/python manage.py recompute_rollups --history --missing --step 30
	@echo "Tiến độ: http://$(HOST):$(PORT)/  (English: http://$(HOST):$(PORT)/en/)"
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .

# axe-core (a devDependency in package.json) for the browser tests' accessibility checks. The plotly.js
# bundle the pages serve is committed under static/vendor/, so `make run` needs no Node.js.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: lint messages node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

worker: messages
	$(BIN)/celery -A config.celery_app worker --beat --loglevel=INFO

bench: messages
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py bench --scale $(SCALE)

# Readers and reporters at once against gunicorn with the production settings on 127.0.0.1, for a fixed
# time, on a database of its own (tiendo_loadtest; see metrics/loadtest/database.py). Zero errors is the bar.
loadtest: messages
	$(BIN)/python -m metrics.loadtest
