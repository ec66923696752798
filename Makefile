# Everything a fresh machine needs: `make publish` (the main job) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: validate build publish lint test browser msgfmt testtools golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

validate: $(STAMP)
	$(BIN)/pipeline validate --root .

build: $(STAMP)
	$(BIN)/pipeline build --root .

publish: $(STAMP)
	$(BIN)/pipeline publish --root .

# Lint (ruff), format check, types (mypy) and the import layers (import-linter, contracts in pyproject.toml).
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src tests
	$(BIN)/lint-imports

# The browser tests use Debian's Chromium (never a downloaded browser) and Noto fonts for Hebrew.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium fonts-noto-core' (Debian)"; exit 1; \
	  fi; \
	fi

# GNU msgfmt, which the catalog checks are compared with (tests/test_catalog_agreement.py).
msgfmt:
	@if ! command -v msgfmt >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else \
	    echo "msgfmt is missing: run 'sudo apt-get install gettext' (Debian)"; exit 1; \
	  fi; \
	fi

# axe-core and the Nu HTML checker (vnu.jar), pinned by package-lock.json, and Java to run the checker:
# tests/test_conformance.py checks every built page with both.
testtools: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	@if ! command -v java >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless npm >/dev/null; \
	  else \
	    echo "Java or npm is missing: run 'sudo apt-get install default-jre-headless npm' (Debian)"; exit 1; \
	  fi; \
	fi
	npm ci --no-audit --no-fund --silent
	touch $@

test: $(STAMP) browser msgfmt testtools
	$(BIN)/python -m pytest

# Rewrite the golden output of the sample site after an intended change to rendering.
golden: $(STAMP)
	$(BIN)/python tests/golden.py --write

clean:
	rm -rf $(VENV) build src/*.egg-info public published test-artifacts node_modules
