# Jinlin 近邻 — the two commands a new user needs:
#   make demo   set everything up and serve the demo district on http://127.0.0.1:$(PORT)/
#   make test   set everything up and run the whole test suite
# Everything installs from the lock files (uv.lock, package-lock.json) into .venv and node_modules.

PYTHON ?= python3
PORT ?= 8000
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test setup assets translations browser lint serve clean

demo: setup
	$(BIN)/jinlin demo --port $(PORT)

# The suite runs on every core (pytest-xdist; pytest-django gives each worker its own test
# database). Each worker is handed a test or two at a time, the longest first (conftest.py), so
# no core idles while another finishes a long one; tests marked xdist_group stay on one worker.
# PYTEST_WORKERS=0 runs it in one process; PYTEST_ARGS passes anything else (paths, -k, -x).
PYTEST_WORKERS ?= auto
test: setup browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

setup: $(VENV)/.synced static/vendor/.copied translations

$(VENV)/.synced: pyproject.toml uv.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv sync --frozen --quiet
	touch $@

static/vendor/.copied: package.json package-lock.json scripts/vendor_assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/vendor_assets.mjs
	touch $@

# Compiled catalogues (.mo) are build output, never committed; Babel compiles Django's .po files
# without needing GNU gettext on the machine.
translations: $(VENV)/.synced
	@for dir in jinlin/locale jinlin/*/locale; do \
	  if [ -d "$$dir" ] && ls $$dir/*/LC_MESSAGES/django.po >/dev/null 2>&1; then \
	    $(BIN)/pybabel --quiet compile --domain django --directory $$dir || exit 1; \
	  fi; \
	done

# Browser tests drive Debian's Chromium (never a downloaded browser) with a CJK font.
browser:
	sh scripts/ensure_browser.sh

# ruff (lint and format) over the repository, then mypy with django-stubs over jinlin/ (its
# settings, and why each app is held to what, are in pyproject.toml under [tool.mypy]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles test-artifacts
