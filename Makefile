# Everything a fresh machine needs: `make publish` (the main job) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: validate build publish lint test browser msgfmt ssh-tools dav-servers golden bench hugo clean

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

# The browser tests use Debian's Chromium (never a downloaded browser), Noto fonts for Hebrew, Culmus for a Hebrew
# monospace (code), Java for the Nu HTML checker; the checker (vnu.jar) and axe-core come from npm, pinned in tests/checkers/.
CHECKERS := tests/checkers/node_modules/.installed
browser:
	@need=""; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	fc-list | grep -q "Noto Sans Hebrew" || need="$$need fonts-noto-core"; \
	fc-list | grep -q "Miriam Mono CLM" || need="$$need culmus"; \
	command -v java >/dev/null || need="$$need default-jre-headless"; \
	command -v npm >/dev/null || need="$$need npm"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  else \
	    echo "Missing for the browser tests: run 'sudo apt-get install$$need' (Debian)"; exit 1; \
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

$(CHECKERS): tests/checkers/package.json | browser
	cd tests/checkers && npm install --no-package-lock --ignore-scripts --no-audit --no-fund --silent
	touch $@

# The ssh target's tests start a real OpenSSH server on 127.0.0.1 and publish with rsync (Debian's packages).
ssh-tools:
	@if [ ! -x /usr/sbin/sshd ] || ! command -v rsync >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server openssh-client rsync >/dev/null; \
	  else \
	    echo "sshd or rsync is missing: run 'sudo apt-get install openssh-server openssh-client rsync' (Debian)"; exit 1; \
	  fi; \
	fi

# The webdav target's tests start stock Apache (mod_dav_fs) and nginx (with and without dav-ext) on 127.0.0.1 (Debian's
# packages; only the binaries are used: each test writes its own config and runs the server in the foreground).
dav-servers:
	@need=""; \
	[ -x /usr/sbin/apache2 ] || need="$$need apache2"; \
	[ -x /usr/sbin/nginx ] || need="$$need nginx"; \
	[ -f /usr/lib/nginx/modules/ngx_http_dav_ext_module.so ] || need="$$need libnginx-mod-http-dav-ext"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; \
	  else \
	    echo "Missing for the WebDAV server tests: run 'sudo apt-get install$$need' (Debian)"; exit 1; \
	  fi; \
	fi

test: $(STAMP) browser msgfmt ssh-tools dav-servers hugo $(CHECKERS)
	$(BIN)/python -m pytest

# Hugo (Debian's 0.111): the benchmark measures it beside us in the same run, and a test builds its side of the corpus.
# `make bench` runs the benchmark and rewrites the README's Performance table (PAIRS="1000" for a shorter run).
hugo:
	@if ! command -v hugo >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hugo >/dev/null; \
	  else \
	    echo "hugo is missing: run 'sudo apt-get install hugo' (Debian)"; exit 1; \
	  fi; \
	fi

PAIRS ?= 1000 5000
bench: $(STAMP) hugo
	$(BIN)/python benchmarks/run.py --pairs $(PAIRS) --repeat 3 --readme

# Rewrite the golden output of the sample site after an intended change to rendering.
golden: $(STAMP)
	$(BIN)/python tests/golden.py --write

clean:
	rm -rf $(VENV) build src/*.egg-info public published test-artifacts tests/checkers/node_modules
