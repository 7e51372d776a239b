# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run client test test-fast lint migrations-check messages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Set up, migrate, load the demo municipality, then serve on http://127.0.0.1:8000 with the job cluster.
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) bash scripts/run_dev.sh

## Run the reference client (demo specialist application) on the pull feed of the portal started by `make run`
## (`make client CLIENT_ARGS=--ask` asks the applicant a question before completing).
client: install
	$(PY) -m integrations.client --portal http://$(HOST):$(PORT) --token gpk_demo_musterwil_0000000000000000 \
		feed --follow $(CLIENT_ARGS)

## Set up and run the whole test suite (browser tests included when Chromium is installed).
test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -x -q --ignore=tests/browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

## Re-extract and compile translations (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm var staticfiles
