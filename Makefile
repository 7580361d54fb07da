# The two commands: `make run` (demo app on http://127.0.0.1:8000) and `make test` (whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MO := locale/da/LC_MESSAGES/django.mo

.PHONY: setup system-packages run test lint messages clean

setup: system-packages $(VENV)/.installed node_modules/.installed $(MO)

# gettext compiles the Danish catalogue and Pango lays out WeasyPrint's PDFs; install them from
# Debian's packages where they are missing.
system-packages:
	@command -v msgfmt >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(MO): locale/da/LC_MESSAGES/django.po | $(VENV)/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

run: setup
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py setup_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	# Security checks on our code; each accepted finding says why on its line (# nosec).
	$(BIN)/bandit -q -r goals actions institutions reports strategy_tracker -x "*/migrations/*"

test: lint
	$(BIN)/pytest

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l da --no-location --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 $(MO)
