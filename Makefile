# The two commands: `make run` (demo app on http://127.0.0.1:8000) and `make test` (whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MO := locale/da/LC_MESSAGES/django.mo

.PHONY: setup system-packages run start test lint lock messages clean

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

# Machines install exactly the lock: every package pinned and checked against its hashes, wheels only.
$(VENV)/.installed: requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes \
		--only-binary=:all: -r requirements-dev.txt
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

# An empty installation for your own municipality, in its own database file (not the demo's):
#   make start MUNICIPALITY="Viborg Kommune" EMAIL=it@viborg.dk
start: export DATABASE_URL ?= sqlite:///$(CURDIR)/kommune.sqlite3
start: setup
	@test -n "$(MUNICIPALITY)" -a -n "$(EMAIL)" || \
		{ echo 'Usage: make start MUNICIPALITY="Viborg Kommune" EMAIL=it@viborg.dk'; exit 2; }
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py start_municipality --name "$(MUNICIPALITY)" --email "$(EMAIL)"
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint
	$(BIN)/djlint templates --check
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	# The layers run one way and services never reach for tasks or views (pyproject.toml).
	$(BIN)/lint-imports
	# Types of the services, selectors and permissions (pyproject.toml, [tool.mypy]).
	$(BIN)/mypy
	# Security checks on our code; each accepted finding says why on its line (# nosec).
	$(BIN)/bandit -q -r core institutions goals actions reports administration strategy_tracker devtools \
		-x "*/migrations/*"

# Tests run in parallel, one worker per core (at most four): each worker has its own test
# database and Redis database (tests/conftest.py). `make test PYTEST_WORKERS=0` runs them in one process.
PYTEST_WORKERS ?= auto
test: lint
	$(BIN)/pytest --numprocesses=$(PYTEST_WORKERS) --maxprocesses=4 --dist=worksteal --durations=25

# Refresh the locks from pyproject.toml's ranges, each package at its newest release that the ranges allow
# (README, "Upgrading packages"). requirements.txt (the production image) keeps dev's versions.
LOCK := --universal --python-version 3.11 --generate-hashes --quiet
lock: $(VENV)/.installed
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK) --upgrade -o requirements-dev.txt
	$(BIN)/uv pip compile pyproject.toml $(LOCK) -c requirements-dev.txt -o requirements.txt

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l da --no-location --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 $(MO)
