# `make demo` and `make test` work on a fresh Debian machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_ARGS ?= --env sqlite-chinook-v0 --max-docs 6 --instructions-per-doc 3 --max-steps 5

.PHONY: install system-packages demo test images clean

$(BIN)/lbi: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# torch first, pinned: the CPU build; nothing later may pull a CUDA build
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/lbi

# Debian packages: SQLite's HTML manual, the bubblewrap sandbox, git and man pages for the shell
# environment. Best effort: what cannot be installed makes its tests skip with a reason.
system-packages:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  missing=""; for p in sqlite3-doc bubblewrap git jq make man-db chromium; do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then echo "installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "could not install$$missing; going on without"; fi; \
	fi

demo: install system-packages
	$(BIN)/lbi db up
	$(BIN)/lbi synthesize $(DEMO_ARGS)

# two workers for most of the suite, then the tests that time themselves or look at the whole machine
test: install system-packages
	@status=0; \
	$(BIN)/python -m pytest -q -n 2 -m "not serial" $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/python -m pytest -q -m serial $(PYTEST_ARGS) || status=$$?; \
	exit $$status

# The compose stack's images and the Docker sandbox's, built here (infra/images/build.sh); needs a Docker
# engine (infra/docker-engine.sh starts one where it can).
images:
	infra/images/build.sh

clean:
	-$(BIN)/lbi db down
	rm -rf $(VENV) *.egg-info
