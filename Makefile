# The two set-up commands of the README, and the checks CI runs.
PYTHON ?= python3
# apt needs root; on a developer's machine that is sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install site test lint browser-deps sample

install:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ".[test]"

## Build the public site from the sample data in data/ into site/.
site: install
	$(PYTHON) -m generator build --data data --output site

## Everything CI runs: lint, types, and the whole test suite in a real Chromium.
test: install browser-deps lint
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check generator tests benchmarks
	$(PYTHON) -m mypy

## Debian tools the tests drive: Chromium (browser tests) and the sqlite3 shell (open data checks).
browser-deps:
	@{ command -v chromium && command -v sqlite3; } >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium sqlite3 >/dev/null; }

## Regenerate the sample data and the tests' minimal data set (seeded: same bytes every time).
sample: install
	$(PYTHON) -m generator.sample data
	$(PYTHON) -m generator.sample tests/fixtures/minimal --objects 600
