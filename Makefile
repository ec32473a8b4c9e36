# Two commands do everything:
#   make site   set up .venv and serve the site on http://127.0.0.1:8000 (rebuilds when papers.yaml changes)
#   make test   set up .venv and the browser, then run every check CI runs
#   make dist   build the site and pack it reproducibly for any static host (tarball + SHA-256 checksum)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SITE_DIR := build/site
DIST_TARBALL := build/dist/cv-paper-notes-site.tar.gz
ADDR ?= 127.0.0.1:8000

.PHONY: site test setup browser lint check build-site dist linkcheck bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e . --config-settings editable_mode=compat
	touch $(STAMP)

setup: $(STAMP)

site: $(STAMP)
	$(BIN)/python tools/verify_claims.py --validate-only
	$(BIN)/mkdocs serve --dev-addr $(ADDR)

# Debian's Chromium and ChromeDriver drive the browser tests (no browser download is needed); a small CJK font
# (1.6 MB) lets the screenshots show the Chinese notes instead of empty boxes.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1 \
		|| ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq \
			chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	fi
	@# axe-core (injected by the accessibility test) and Lighthouse (docs/performance.md), pinned in package.json.
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
		command -v npm >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get install -y -qq nodejs npm >/dev/null; }; \
		npm install --no-audit --no-fund >/dev/null; \
	fi

check: $(STAMP)
	$(BIN)/python tools/verify_claims.py --check

# Lint, format and types (pinned in requirements-dev.txt, configured in pyproject.toml): ruff's checks and its
# formatter on all Python code, mypy --strict on tools/ and reference_impls/, the GitHub workflows against GitHub's
# workflow schema.
lint: $(STAMP)
	$(BIN)/ruff check tools reference_impls tests bench
	$(BIN)/ruff format --check tools reference_impls tests bench
	$(BIN)/mypy
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

build-site: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir $(SITE_DIR)

# The built site as one tarball with a SHA-256 checksum (tools/dist.py): sorted entries, every entry dated
# SOURCE_DATE_EPOCH (default: the last commit's time), no owner names, so the same commit gives the same bytes.
dist: build-site
	SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct)} \
		$(BIN)/python -m tools.dist $(SITE_DIR) --out $(DIST_TARBALL)

# LinkChecker on the built site served on 127.0.0.1 (part of the test suite too).
linkcheck: $(STAMP)
	$(BIN)/pytest tests/test_links.py

# PYTEST_NO_SKIP=1: every tool the tests need is installed above, so a skipped test fails (tests/conftest.py).
test: $(STAMP) lint browser
	$(BIN)/python tools/verify_claims.py --check
	PYTEST_NO_SKIP=1 $(BIN)/pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/measure_speed.py
	$(BIN)/python bench/scale.py

clean:
	rm -rf build .pytest_cache
