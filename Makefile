# The two commands: `make run` (set up and serve with real Jakarta data) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Debian's Python can load SQLite extensions (SpatiaLite); pyenv's default build cannot.
PYTHON ?= /usr/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
MIGRATIONS := $(wildcard */migrations/0*.py)
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
DATA_DIR ?= $(or $(KALTARA_DATA_DIR),$(abspath ../shared/data))
STATIC_FILES := $(shell find static -type f 2>/dev/null)
STATIC_STAMP := var/.static-collected
COLLECTED := KALTARA_COLLECTED_STATIC=1
# One stamp per database, so switching DATABASE_URL sets the other one up too.
DB_STAMP := var/.seeded-$(shell printf '%s' "$(DATABASE_URL)" | md5sum | cut -c1-8)

.PHONY: run setup test lint bench loadtest faults clean worker beat

run: setup
	@echo ""
	@echo "Portal Kaltara: http://$(HOST):$(PORT)/"
	@echo "Login demo (kata sandi untuk semua: kaltara-demo):"
	@echo "  lurah.rawabunga   Lurah Rawa Bunga (31.75.03.1004)"
	@echo "  camat.jatinegara  Camat Jatinegara (31.75.03)"
	@echo "  sudinkes.jaktim   Sudin Kesehatan Jakarta Timur (31.75)"
	@echo "  sudindik.jaktim   Sudin Pendidikan Jakarta Timur (31.75)"
	@echo "  provinsi          Staf provinsi (31)"
	@echo ""
	@echo "(DEBUG off, as in production: DJANGO_DEBUG=1 make run for Django's debug pages)"
	@echo ""
	$(COLLECTED) DJANGO_DEBUG=$${DJANGO_DEBUG:-0} $(PY) manage.py runserver $(HOST):$(PORT)

setup: $(VENV)/.installed $(MO_FILES) $(DB_STAMP) $(STATIC_STAMP)

# Static files as production serves them (kaltara/settings.py KALTARA_COLLECTED_STATIC): names
# with a content hash and compressed copies, collected again when a file under static/ or the
# installed packages (django-leaflet's, the admin's) change.
$(STATIC_STAMP): $(VENV)/.installed $(STATIC_FILES)
	$(COLLECTED) $(PY) manage.py collectstatic --noinput --clear -v0
	@mkdir -p $(dir $@)
	@touch $@

var/.system-deps: scripts/system-deps.sh
	@mkdir -p var
	bash scripts/system-deps.sh
	@touch $@

$(VENV)/.installed: pyproject.toml var/.system-deps
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null \
	  || { echo "$(PY) cannot load SQLite extensions (SpatiaLite). Use PYTHON=/usr/bin/python3 (Debian's) and remove $(VENV)."; exit 1; }
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(VENV)/.installed
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=var

$(DB_STAMP): $(VENV)/.installed $(MIGRATIONS) $(MO_FILES)
	$(PY) manage.py migrate --noinput -v0
	KALTARA_DATA_DIR=$(DATA_DIR) $(PY) manage.py load_regions
	KALTARA_DATA_DIR=$(DATA_DIR) $(PY) manage.py import_sites
	$(PY) manage.py seed_demo
	@touch $@

# The browser tests' assets (axe-core, pinned in package-lock.json), installed when missing
# and npm is there; without npm the page walk skips (or fails where KALTARA_REQUIRE_BROWSER=1).
test: $(VENV)/.installed $(MO_FILES)
	@if [ ! -f node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund; fi
	KALTARA_DATA_DIR=$(DATA_DIR) $(PY) -m pytest $(PYTEST_ARGS)

# Everything from the venv, nothing fetched: the same checks as .pre-commit-config.yaml.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

worker: setup
	$(VENV)/bin/celery -A kaltara worker -l info

beat: setup
	$(VENV)/bin/celery -A kaltara beat -l info

loadtest: $(VENV)/.installed
	$(PY) scripts/loadtest.py $(LOADTEST_ARGS)

bench: $(VENV)/.installed
	KALTARA_DATA_DIR=$(DATA_DIR) PY=$(PY) bash scripts/bench.sh $(BENCH_ARGS)

faults: $(VENV)/.installed
	bash scripts/faults.sh $(FAULTS_ARGS)

clean:
	rm -rf var/.seeded-* var/kaltara.sqlite3 $(STATIC_STAMP)
