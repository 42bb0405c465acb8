# The pharma suite: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SAO_VERSION := 8.0.11
SAO := sao/node_modules/tryton-sao
ADDONS := $(sort $(wildcard addons/pharma_*))
CONFIG := trytond.conf
DEMO_DB ?= demo

.PHONY: all install sao chromium demo demo-data serve demo-reset test test-sqlite test-postgresql test-browser clean

all: install sao

# Python: Tryton 8.0 and the suite's modules in editable mode
$(VENV)/.installed: requirements.txt $(foreach m,$(ADDONS),$(m)/pyproject.toml)
	@echo "==> Creating $(VENV) and installing Tryton 8.0 and the suite"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q $(foreach m,$(ADDONS),-e $(m))
	touch $@

install: $(VENV)/.installed

# The web client: tryton-sao 8.0.x from the npm registry, no build tools
$(SAO)/.installed:
	@echo "==> Installing the web client tryton-sao $(SAO_VERSION)"
	mkdir -p sao
	npm install --omit=dev --no-package-lock --no-audit --no-fund --prefix sao tryton-sao@$(SAO_VERSION)
	# index.html loads node_modules/... next to itself
	ln -sfn .. $(SAO)/node_modules
	touch $@

sao: $(SAO)/.installed

# Debian's Chromium for the browser tests (its own download cannot work here)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "==> Installing Debian's chromium"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; \
	fi

demo-data: install sao
	$(PY) scripts/demo.py --config $(CONFIG) --database $(DEMO_DB)

serve: install sao
	@echo "==> Serving the web client at http://127.0.0.1:8000/ (database $(DEMO_DB), Ctrl-C to stop)"
	$(VENV)/bin/trytond -c $(CONFIG) -d $(DEMO_DB)

demo: demo-data serve

demo-reset: install
	rm -f var/db/$(DEMO_DB).sqlite
	$(MAKE) demo

test: install sao chromium
	$(PY) tests/runtests.py

test-sqlite: install
	PHARMA_TEST_ONLY=po,sqlite $(PY) tests/runtests.py

test-postgresql: install
	PHARMA_TEST_ONLY=postgresql $(PY) tests/runtests.py

test-browser: install sao chromium
	PHARMA_TEST_ONLY=browser $(PY) tests/runtests.py

clean:
	rm -rf var/cache var/test-logs tests/output
